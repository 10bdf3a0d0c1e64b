package io.tensorline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bundled JSON schemas (deploy/kubernetes/schemas, written by its generate.py), one per apiVersion and kind,
 * named {@code <group>-<version>-<Kind>.json} ({@code v1-<Kind>.json} for the core group).
 */
final class SchemaCatalog {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    private final Map<String, JsonSchema> loaded = new HashMap<>();

    SchemaCatalog(Path dir) {
        this.dir = dir;
    }

    static String fileName(String apiVersion, String kind) {
        return apiVersion.replace('/', '-') + "-" + kind + ".json";
    }

    /** The schema of that apiVersion and kind, or empty when none is bundled. */
    Optional<JsonSchema> schema(String apiVersion, String kind) throws IOException {
        String name = fileName(apiVersion, kind);
        JsonSchema cached = loaded.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonSchema schema = factory.getSchema(JSON.readTree(file.toFile()));
        loaded.put(name, schema);
        return Optional.of(schema);
    }

    /** What is wrong with one object; fails when its kind has no schema, so nothing goes unvalidated. */
    List<String> errors(JsonNode object) throws IOException {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        JsonSchema schema = schema(apiVersion, kind).orElseThrow(() -> new AssertionError(
                "no schema for " + apiVersion + " " + kind + " (expected: " + dir.resolve(fileName(apiVersion, kind)) + ")"));
        return schema.validate(object).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
