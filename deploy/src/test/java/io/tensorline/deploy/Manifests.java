package io.tensorline.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Looking objects up in a rendered kustomization. */
final class Manifests {

    private Manifests() {
    }

    static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> found = all(objects, kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    static List<JsonNode> all(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** Whether every label of the selector is on the labels. */
    static boolean selects(JsonNode matchLabels, JsonNode labels) {
        if (matchLabels.isEmpty()) {
            return false;
        }
        for (var it = matchLabels.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        return true;
    }
}
