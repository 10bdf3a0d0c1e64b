package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * File-level facts about model folders: fingerprints (every file's relative path, size and modification time) to
 * tell whether a model changed, and the temporary folder that {@code file:} load parameters become. Stateless.
 */
final class ModelFolders {

    private ModelFolders() {
    }

    /**
     * A digest of every regular file under {@code dir}; any added, removed, resized or touched file changes it. A
     * folder being copied in changes it between two reads, which is what poll mode waits out.
     */
    static String fingerprint(Path dir) {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (IOException e) {
                    lines.add(dir.relativize(p) + " unreadable"); // vanished while walking: a change
                    continue;
                }
                if (a.isRegularFile()) {
                    lines.add(dir.relativize(p) + " " + a.size() + " " + a.lastModifiedTime().toMillis());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return "unreadable " + e.getMessage();
        }
        lines.sort(Comparator.naturalOrder());
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String line : lines) {
                sha.update(line.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Writes {@code file:} parameters into a fresh {@code <tmp>/<model>/} folder and returns it.
     *
     * @throws InferenceException INVALID_ARGUMENT (Triton's text) for a path that leaves the model folder
     */
    static Path writeOverride(String model, Map<String, byte[]> files) {
        Path root;
        try {
            root = Files.createTempDirectory("tensorline-model-");
        } catch (IOException e) {
            throw InferenceException.internal("failed to load '%s': cannot create a folder for its files: %s",
                    model, e.getMessage());
        }
        Path dir = root.resolve(model);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path target = dir.resolve(f.getKey()).normalize();
                if (f.getKey().isEmpty() || !target.startsWith(dir) || target.equals(dir)) {
                    throw InferenceException.invalid("Invalid file parameter 'file:%s' with normalized path '%s' "
                            + "must stay within model directory.", f.getKey(), target);
                }
                Files.createDirectories(target.getParent());
                Files.write(target, f.getValue());
            }
            return dir;
        } catch (IOException e) {
            deleteQuietly(root);
            throw InferenceException.internal("failed to load '%s': cannot write its files: %s", model,
                    e.getMessage());
        } catch (RuntimeException e) {
            deleteQuietly(root);
            throw e;
        }
    }

    /** Deletes a folder tree; best effort (a temporary folder left behind is no error). */
    static void deleteQuietly(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
