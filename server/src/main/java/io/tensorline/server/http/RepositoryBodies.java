package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.repository.LoadParameters;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bodies of {@code POST /v2/repository/models/{m}/load|unload}: {@code {"parameters": {...}}}, optional.
 * Load takes {@code config} (a ModelConfig as a JSON string) and {@code file:<version>/<path>} (base64); unload
 * takes {@code unload_dependents} (a boolean). Stateless.
 */
final class RepositoryBodies {

    private RepositoryBodies() {
    }

    static LoadParameters load(ByteBuf content) {
        String[] config = {null};
        Map<String, byte[]> files = new LinkedHashMap<>();
        parameters(content, (p, key, t) -> {
            if (key.equals("config")) {
                config[0] = JsonValues.string(p, t, "load parameter 'config'");
            } else if (key.startsWith("file:")) {
                String b64 = JsonValues.string(p, t, "load parameter '" + key + "'");
                try {
                    files.put(key.substring("file:".length()), Base64.getDecoder().decode(b64));
                } catch (IllegalArgumentException e) {
                    throw InferenceException.invalid("load parameter '%s' is not valid base64: %s", key,
                            e.getMessage());
                }
            } else {
                p.skipChildren();
                // Triton's words and status for a key it cannot turn into a parameter
                throw new InferenceException(ErrorCode.INTERNAL, "unexpected error on creating Triton parameter");
            }
        });
        return new LoadParameters(config[0], files);
    }

    /** Whether {@code unload_dependents} is true; other keys are ignored, as in Triton. */
    static boolean unloadDependents(ByteBuf content) {
        boolean[] dependents = {false};
        parameters(content, (p, key, t) -> {
            if (key.equals("unload_dependents")) {
                try {
                    dependents[0] = JsonValues.bool(p, t, "value");
                } catch (InferenceException e) {
                    throw InferenceException.invalid("Unable to parse 'unload_dependents': %s", e.getMessage());
                }
            } else {
                p.skipChildren();
            }
        });
        return dependents[0];
    }

    private interface ParameterReader {
        void read(JsonParser p, String key, JsonToken value) throws IOException;
    }

    private static void parameters(ByteBuf content, ParameterReader reader) {
        if (!content.isReadable()) {
            return;
        }
        try (InputStream in = new ByteBufInputStream(content.duplicate());
             JsonParser p = JsonSupport.FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return;
            }
            if (t != JsonToken.START_OBJECT) {
                throw InferenceException.invalid("request body is %s (expected: a JSON object such as "
                        + "{\"parameters\": {...}})", JsonValues.describe(p, t));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (!field.equals("parameters")) {
                    p.skipChildren();
                    continue;
                }
                if (v != JsonToken.START_OBJECT) {
                    throw InferenceException.invalid("'parameters' is %s (expected: a JSON object)",
                            JsonValues.describe(p, v));
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    reader.read(p, key, p.nextToken());
                }
            }
        } catch (JsonProcessingException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getOriginalMessage());
        } catch (IOException e) {
            throw InferenceException.invalid("malformed JSON request body: %s", e.getMessage());
        }
    }
}
