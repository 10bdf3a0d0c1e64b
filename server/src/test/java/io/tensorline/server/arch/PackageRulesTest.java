package io.tensorline.server.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package rules of docs/architecture.md ("Package rules"), read from the server's sources: generated protobuf
 * types stop at config parsing and the transports (nothing in core, repository, scheduler or stats names them), and
 * the lower packages do not reach up; core and repository do not import each other. A rule is broken by an import, a static import or a qualified name in code.
 */
class PackageRulesTest {

    private static final Path SOURCES = Path.of("src/main/java/io/tensorline/server");
    private static final Pattern STRING = Pattern.compile("\"(\\\\.|[^\"\\\\])*\"");
    private static final Pattern QUALIFIED = Pattern.compile("\\b(?:io\\.tensorline|com\\.google)\\.[\\w.]+");
    private static final List<String> GENERATED = List.of("io.tensorline.proto.", "com.google.protobuf.");

    /** Where the generated types may be named: config parsing, the transports and their shared messages. */
    private static final Set<String> MAY_NAME_GENERATED = Set.of("config", "grpc", "http", "protocol");

    @Test
    void generatedTypesStayInConfigAndTheTransports() throws IOException {
        List<String> checked = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                String pkg = dir.getFileName().toString();
                if (!MAY_NAME_GENERATED.contains(pkg)) {
                    assertEquals(List.of(), violations(pkg, GENERATED), "package " + pkg + " names generated types");
                    checked.add(pkg);
                }
            }
        }
        assertTrue(checked.containsAll(List.of("core", "repository", "scheduler", "stats")), checked.toString());
    }

    @Test
    void theScanSeesTheGeneratedTypesWhereTheyAreAllowed() {
        for (String pkg : List.of("config", "grpc", "protocol")) {
            assertFalse(violations(pkg, GENERATED).isEmpty(), "package " + pkg + " was read");
        }
    }

    @Test
    void configAndStatsDependOnNoPackageThatHoldsModelsOrRequests() {
        List<String> above = List.of("io.tensorline.server.core.", "io.tensorline.server.repository.",
                "io.tensorline.server.scheduler.");
        assertEquals(List.of(), violations("config", above));
        assertEquals(List.of(), violations("stats", above));
    }

    @Test
    void coreAndRepositoryDoNotImportEachOther() {
        assertEquals(List.of(), violations("core", List.of("io.tensorline.server.repository.",
                "io.tensorline.server.serving.")));
        assertEquals(List.of(), violations("repository", List.of("io.tensorline.server.serving.")));
        // what the repository may take from core: its request and error types
        List<String> fromCore = violations("repository", List.of("io.tensorline.server.core.")).stream()
                .map(v -> v.substring(v.lastIndexOf(' ') + 1)).distinct().sorted().toList();
        List<String> allowed = List.of("io.tensorline.server.core.ErrorTexts",
                "io.tensorline.server.core.InferenceException", "io.tensorline.server.core.InferenceRequest");
        assertTrue(allowed.containsAll(fromCore), fromCore.toString());
    }

    @Test
    void schedulersDoNotReachIntoTheRepository() {
        assertEquals(List.of(), violations("scheduler", List.of("io.tensorline.server.repository.")));
    }

    /** Every reference from {@code pkg} (and its subpackages) to a name starting with one of {@code forbidden}. */
    static List<String> violations(String pkg, List<String> forbidden) {
        Path dir = SOURCES.resolve(pkg.replace('.', '/'));
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    for (String name : names(code(lines.get(i)))) {
                        if (forbidden.stream().anyMatch(name::startsWith)) {
                            out.add(SOURCES.relativize(file) + ":" + (i + 1) + " " + name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The line without a comment or string literal (a javadoc link or a message is not a dependency). */
    private static String code(String line) {
        String s = line.strip();
        if (s.startsWith("*") || s.startsWith("/*") || s.startsWith("//")) {
            return "";
        }
        s = STRING.matcher(s).replaceAll("\"\"");
        int comment = s.indexOf("//");
        return comment >= 0 ? s.substring(0, comment) : s;
    }

    private static List<String> names(String code) {
        List<String> out = new ArrayList<>();
        Matcher m = QUALIFIED.matcher(code);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
