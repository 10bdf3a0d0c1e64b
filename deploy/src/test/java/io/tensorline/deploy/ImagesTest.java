package io.tensorline.deploy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Both images checked against this source tree and its build (no Docker engine runs here): every path they copy
 * exists (and is not left out by .dockerignore), every file they take from the build stage is one the local build
 * makes, the server they start takes their flags, and the rest of the contract (wrapper build, non-root user, the
 * three ports, a health check on readiness). deploy/lint lints them; deploy/image/assemble is the CPU image's
 * build step and can be run by hand.
 */
class ImagesTest {

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    private static Dockerfile read(String name) {
        return Dockerfile.parse(SourceTree.read(name));
    }

    /** COPY's sources and destination, without its --options. */
    private static List<String> copyOperands(Dockerfile.Instruction copy) {
        return copy.words().stream().filter(w -> !w.startsWith("--")).toList();
    }

    private static String fromStage(Dockerfile.Instruction copy) {
        return copy.words().stream().filter(w -> w.startsWith("--from=")).map(w -> w.substring(7)).findFirst().orElse(null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void everyCopiedPathIsInTheBuildContext(String name) throws IOException {
        List<String> ignored = Files.readAllLines(SourceTree.path(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        for (Dockerfile.Instruction copy : read(name).all("COPY")) {
            if (fromStage(copy) != null) {
                continue;
            }
            List<String> operands = copyOperands(copy);
            for (String source : operands.subList(0, operands.size() - 1)) {
                assertTrue(Files.exists(SourceTree.path(source)), name + ": COPY " + source + " does not exist");
                String top = source.replaceAll("/+$", "") + "/";
                for (String rule : ignored) {
                    assertFalse(top.equals(rule) || top.startsWith(rule), name + ": COPY " + source + " is excluded by .dockerignore " + rule);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void theBuildStageHasEveryModuleOfTheReactor(String name) {
        List<String> copied = new ArrayList<>();
        for (Dockerfile.Instruction copy : read(name).all("COPY")) {
            if (fromStage(copy) == null) {
                List<String> operands = copyOperands(copy);
                copied.addAll(operands.subList(0, operands.size() - 1));
            }
        }
        Matcher m = MODULE.matcher(SourceTree.read("pom.xml"));
        while (m.find()) {
            String module = m.group(1);
            assertTrue(copied.stream().anyMatch(c -> c.equals(module + "/") || c.equals(module + "/pom.xml")
                            || module.startsWith(c.replaceAll("/+$", "") + "/")),
                    name + " copies no " + module + "/ (Maven reads every module's pom)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void theServerIsBuiltWithTheWrapper(String name) {
        Dockerfile d = read(name);
        assertTrue(d.all("RUN").stream().anyMatch(r -> r.stage() == 0 && r.args().startsWith("./mvnw -B")
                && r.args().contains("package -pl server -am")), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void whatTheRuntimeTakesFromTheBuildIsWhatTheBuildMakes(String name) {
        Path jar = SourceTree.path("server/target/tensorline-server.jar");
        assumeTrue(Files.isRegularFile(jar), "the server is not packaged (the reactor packages it before this module)");
        for (Dockerfile.Instruction copy : read(name).all("COPY")) {
            if (!"build".equals(fromStage(copy))) {
                continue;
            }
            List<String> operands = copyOperands(copy);
            for (String source : operands.subList(0, operands.size() - 1)) {
                if (source.startsWith("/src/")) {
                    assertTrue(Files.exists(SourceTree.path(source.substring(5))), name + ": COPY --from=build " + source);
                } else {
                    assertTrue(source.startsWith("/opt/tensorline"), name + ": " + source);
                    assertTrue(read(name).all("RUN").stream().anyMatch(r -> r.args().equals("deploy/image/assemble /opt/tensorline /src/model-repository")),
                            name + ": " + source + " is made by deploy/image/assemble");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void theEntrypointRunsServeWithFlagsTheServerTakes(String name) throws Exception {
        Dockerfile d = read(name);
        List<String> entrypoint = d.last("ENTRYPOINT").execForm();
        assertEquals("serve", entrypoint.get(entrypoint.size() - 1));
        assertEquals("-jar", entrypoint.get(entrypoint.size() - 3));
        List<String> cmd = d.last("CMD").execForm();
        assertEquals("/models", ServeFlags.parse(cmd).get("model-repository"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void itRunsAsAnUnprivilegedUser(String name) {
        String user = read(name).last("USER").args().split(":")[0];
        assertFalse(user.equals("root") || user.equals("0"), name + ": USER " + user);
        assertEquals(read(name).lastStage(), read(name).last("USER").stage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void itExposesTheThreePortsAndChecksReadiness(String name) {
        Dockerfile d = read(name);
        assertEquals(List.of("8000", "8001", "8002"), d.last("EXPOSE").words());
        String check = d.last("HEALTHCHECK").args();
        assertTrue(check.contains("CMD curl -fsS -o /dev/null http://127.0.0.1:8000/v2/health/ready"), check);
        assertTrue(d.all("RUN").stream().anyMatch(r -> r.stage() == d.lastStage() && r.args().contains(" curl")),
                name + ": the health check needs curl in the runtime stage");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile"})
    void theCpuEntrypointUsesWhatAssembleWrites(String name) throws Exception {
        List<String> entrypoint = read(name).last("ENTRYPOINT").execForm();
        String assemble = SourceTree.read("deploy/image/assemble");
        assertEquals("/opt/tensorline/runtime/bin/java", entrypoint.get(0));
        assertEquals("@/opt/tensorline/jvm.options", entrypoint.get(1));
        assertEquals("/opt/tensorline/tensorline-server.jar", entrypoint.get(3));
        for (String made : List.of("--output \"$dest/runtime\"", "> \"$dest/jvm.options\"", "cp \"$target/tensorline-server.jar\" \"$dest/\"")) {
            assertTrue(assemble.contains(made), "deploy/image/assemble no longer does: " + made);
        }
        assertTrue(Files.isExecutable(SourceTree.path("deploy/image/assemble")));
    }
}
