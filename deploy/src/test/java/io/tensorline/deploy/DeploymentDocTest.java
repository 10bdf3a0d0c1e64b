package io.tensorline.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import io.tensorline.server.cli.Flags;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every command in docs/deployment.md's bash blocks is one this module runs or checks: kustomizations are rendered
 * (and schema-checked by KubernetesManifestsTest), images and their tags match the Dockerfiles and manifests, serve
 * flags parse with the server's own declarations, scripts exist, and the cluster-only commands name the objects the
 * manifests define. A command of any other form fails the test, so the page cannot drift from what is checked.
 */
class DeploymentDocTest {

    /** Flags being added by other work; commands using them are reported as pending. None at present. */
    private static final Set<String> PENDING_FLAGS = Set.of();

    private final List<String> pending = new ArrayList<>();

    static List<String> commands(String markdown) {
        List<String> out = new ArrayList<>();
        boolean inBash = false;
        StringBuilder current = new StringBuilder();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                inBash = !inBash && line.strip().equals("```bash");
                continue;
            }
            if (!inBash || line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            String l = line.strip();
            if (l.endsWith("\\")) {
                current.append(l, 0, l.length() - 1).append(' ');
            } else {
                out.add(current.append(l).toString());
                current.setLength(0);
            }
        }
        return out;
    }

    static List<String> words(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        for (char c : command.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (!w.isEmpty()) {
                    out.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(c);
            }
        }
        if (!w.isEmpty()) {
            out.add(w.toString());
        }
        return out;
    }

    @Test
    void everyCommandIsRunOrChecked() throws Exception {
        List<String> commands = commands(SourceTree.read("docs/deployment.md"));
        assertTrue(commands.size() >= 10, "found only " + commands);
        List<String> built = new ArrayList<>();
        for (String command : commands) {
            List<String> w = words(command);
            switch (w.get(0)) {
                case "kubectl" -> kubectl(w);
                case "helm" -> helm(w);
                case "docker" -> docker(w, built);
                case "./tensorline" -> serve(w);
                default -> script(w);
            }
        }
        System.out.println("docs/deployment.md: " + commands.size() + " commands checked; pending on flags not declared yet: " + pending);
    }

    private static String kustomization(String dir) {
        assertTrue(dir.startsWith("deploy/kubernetes/"), dir);
        String k = dir.substring("deploy/kubernetes/".length()).replaceAll("/+$", "");
        assertTrue(KubernetesManifestsTest.KUSTOMIZATIONS.contains(k), dir + " is not rendered by KubernetesManifestsTest");
        assertTrue(Files.isRegularFile(SourceTree.path(dir).resolve("kustomization.yaml")), dir);
        return k;
    }

    private static List<JsonNode> render(String k) throws Exception {
        return Kustomize.available() ? Kustomize.render(SourceTree.path("deploy/kubernetes/" + k)) : List.of();
    }

    private static String nameOf(List<JsonNode> objects, String kind) {
        return objects.isEmpty() ? null : Manifests.only(objects, kind).path("metadata").path("name").asText();
    }

    private void kubectl(List<String> w) throws Exception {
        switch (w.get(1)) {
            case "kustomize" -> {
                String k = kustomization(w.get(2));
                if (Kustomize.available()) {
                    assertFalse(render(k).isEmpty());
                }
            }
            case "apply" -> {
                assertEquals("-k", w.get(2));
                kustomization(w.get(3));
            }
            case "get" -> {
                String kind = switch (w.get(2)) {
                    case "hpa" -> "HorizontalPodAutoscaler";
                    case "inferenceservice" -> "InferenceService";
                    default -> throw new AssertionError("kubectl get " + w.get(2) + " is not checked");
                };
                String k = kind.equals("InferenceService") ? "kserve" : "overlays/autoscaling";
                String name = nameOf(render(k), kind);
                if (name != null) {
                    assertEquals(name, w.get(3), String.join(" ", w));
                }
            }
            case "create" -> {
                assertEquals(List.of("secret", "generic"), w.subList(2, 4));
                List<JsonNode> s3 = render("overlays/s3");
                if (!s3.isEmpty()) {
                    JsonNode container = Manifests.only(s3, "Deployment").path("spec").path("template").path("spec")
                            .path("containers").get(0);
                    assertEquals(container.path("envFrom").get(0).path("secretRef").path("name").asText(), w.get(4));
                }
                for (String literal : w.subList(5, w.size())) {
                    String key = literal.replaceFirst("^--from-literal=", "").split("=")[0];
                    assertTrue(key.startsWith("AWS_"), "the AWS provider chain reads AWS_* variables, not " + key);
                }
            }
            default -> fail("kubectl " + w.get(1) + " is not checked");
        }
    }

    private static void helm(List<String> w) throws Exception {
        assertEquals(List.of("install", "prometheus-adapter", "prometheus-community/prometheus-adapter", "--set"), w.subList(1, 5));
        String rules = w.get(5).replaceFirst("^rules.existing=", "");
        String name = nameOf(render("overlays/autoscaling"), "ConfigMap");
        if (name != null) {
            assertEquals(name, rules);
        }
    }

    private static void docker(List<String> w, List<String> built) throws Exception {
        if (w.get(1).equals("build")) {
            int f = w.indexOf("-f");
            String file = f < 0 ? "Dockerfile" : w.get(f + 1);
            assertTrue(Files.isRegularFile(SourceTree.path(file)), file);
            built.add(w.get(w.indexOf("-t") + 1));
            assertEquals(".", w.get(w.size() - 1));
            return;
        }
        assertEquals("run", w.get(1));
        String image = w.get(w.size() - 1);
        assertTrue(built.contains(image), image + " is not built by a command above it");
        List<String> published = new ArrayList<>();
        for (int i = 0; i < w.size() - 1; i++) {
            if (w.get(i).equals("-p")) {
                published.add(w.get(i + 1));
            }
            if (w.get(i).equals("-v")) {
                assertTrue(w.get(i + 1).endsWith(":/models"), w.get(i + 1));
            }
        }
        assertEquals(List.of("8000:8000", "8001:8001", "8002:8002"), published);
        if (image.equals("tensorline:0.1.0")) {
            List<JsonNode> base = render("base");
            if (!base.isEmpty()) {
                assertEquals(image, Manifests.only(base, "Deployment").path("spec").path("template").path("spec")
                        .path("containers").get(0).path("image").asText(), "the base deploys the image the doc builds");
            }
        }
    }

    private void serve(List<String> w) {
        assertEquals("serve", w.get(1));
        try {
            ServeFlags.parse(w.subList(2, w.size()));
        } catch (Flags.UsageException e) {
            String unknown = e.getMessage().replaceFirst("^unknown flag --(\\S+).*$", "$1");
            assertTrue(PENDING_FLAGS.contains(unknown), String.join(" ", w) + ": " + e.getMessage());
            pending.add(String.join(" ", w));
        }
    }

    private static void script(List<String> w) {
        Path script = SourceTree.path(w.get(0));
        assertTrue(w.get(0).startsWith("deploy/") || w.get(0).startsWith("benchmarks/"), "unchecked command: " + w);
        assertTrue(Files.isExecutable(script), w.get(0) + " is not an executable script");
        String text = SourceTree.read(w.get(0));
        for (String arg : w.subList(1, w.size())) {
            if (arg.startsWith("--")) {
                assertTrue(text.contains(arg + ")"), w.get(0) + " takes no " + arg);
            }
        }
    }
}
