package io.tensorline.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GitHub Actions workflows stay in step with the README's test command and .ci/run. */
class WorkflowsTest {

    private static final String TEST_COMMAND = "./mvnw -B verify";

    private static JsonNode workflow(String name) throws Exception {
        return Kustomize.parse(SourceTree.read(".github/workflows/" + name)).get(0);
    }

    private static List<String> runs(JsonNode job) {
        List<String> runs = new ArrayList<>();
        job.path("steps").forEach(s -> {
            if (s.has("run")) {
                runs.add(s.path("run").asText().strip());
            }
        });
        return runs;
    }

    @Test
    void ciRunsTheReadmeTestCommandLikeCiRun() throws Exception {
        assertTrue(SourceTree.read("README.md").contains(TEST_COMMAND));
        assertTrue(SourceTree.read(".ci/run").lines().anyMatch(l -> l.strip().equals(TEST_COMMAND)));
        JsonNode ci = workflow("ci.yml");
        assertTrue(runs(ci.path("jobs").path("verify")).contains(TEST_COMMAND));
        // YAML reads the key `on` as the boolean true
        JsonNode on = ci.has("on") ? ci.path("on") : ci.path("true");
        assertTrue(on.has("push") && on.has("pull_request"), on.toString());
    }

    @Test
    void ciCachesMavenDownloads() throws Exception {
        JsonNode steps = workflow("ci.yml").path("jobs").path("verify").path("steps");
        boolean cached = false;
        for (JsonNode s : steps) {
            cached |= s.path("uses").asText().startsWith("actions/setup-java@") && s.path("with").path("cache").asText().equals("maven");
        }
        assertTrue(cached);
    }

    @Test
    void tagsBuildBothImages() throws Exception {
        JsonNode images = workflow("images.yml");
        JsonNode on = images.has("on") ? images.path("on") : images.path("true");
        assertEquals("v*", on.path("push").path("tags").get(0).asText());
        List<String> files = new ArrayList<>();
        images.path("jobs").path("image").path("strategy").path("matrix").path("include")
                .forEach(i -> files.add(i.path("dockerfile").asText()));
        assertEquals(List.of("Dockerfile", "Dockerfile.gpu"), files);
    }
}
