package io.tensorline.perf.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorline.perf.PerfException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * perf_analyzer's {@code --input-data} JSON: {@code {"data":[{"INPUT0":[...], "INPUT1":{"content":[...],
 * "shape":[...]}}, ...]}}. Each entry of {@code data} is one step (one input set); values are flat (nested arrays
 * are flattened), and {@code shape}, when given, excludes the batch dimension.
 */
public final class InputDataFile {

    /** One input's values in one step; {@code shape} is null when the file gives none. */
    public record StepInput(List<JsonNode> values, long[] shape) {

        public StepInput {
            values = List.copyOf(values);
            shape = shape == null ? null : shape.clone();
        }

        @Override
        public long[] shape() {
            return shape == null ? null : shape.clone();
        }
    }

    private InputDataFile() {
    }

    public static List<Map<String, StepInput>> read(Path file) throws PerfException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new PerfException("--input-data " + file + ": cannot read the file (" + e.getMessage() + ")", e);
        }
        return parse(text, file.toString());
    }

    public static List<Map<String, StepInput>> parse(String json, String source) throws PerfException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new PerfException(source + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray() || data.isEmpty()) {
            throw new PerfException(source + ": no \"data\" array (expected: {\"data\":[{\"INPUT0\":[...]}, ...]})");
        }
        List<Map<String, StepInput>> steps = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            JsonNode step = data.get(i);
            if (!step.isObject()) {
                throw new PerfException(source + ": data[" + i + "] is not an object (expected: {\"INPUT0\":[...]})");
            }
            Map<String, StepInput> inputs = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = step.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                inputs.put(e.getKey(), stepInput(e.getValue(), source + ": data[" + i + "]." + e.getKey()));
            }
            steps.add(inputs);
        }
        return List.copyOf(steps);
    }

    private static StepInput stepInput(JsonNode node, String where) throws PerfException {
        if (node.isArray()) {
            return new StepInput(flatten(node), null);
        }
        if (node.isObject()) {
            if (node.has("b64")) {
                throw new PerfException(where + ": \"b64\" data is not supported (expected: \"content\" with values)");
            }
            JsonNode content = node.get("content");
            if (content == null || !content.isArray()) {
                throw new PerfException(where + ": no \"content\" array (expected: {\"content\":[...],\"shape\":[...]})");
            }
            JsonNode shapeNode = node.get("shape");
            long[] shape = null;
            if (shapeNode != null) {
                if (!shapeNode.isArray()) {
                    throw new PerfException(where + ": \"shape\" is not an array (expected: e.g. [3,224,224])");
                }
                shape = new long[shapeNode.size()];
                for (int d = 0; d < shape.length; d++) {
                    JsonNode dim = shapeNode.get(d);
                    if (!dim.canConvertToLong() || !dim.isIntegralNumber() || dim.longValue() < 0) {
                        throw new PerfException(where + ": shape dimension " + dim + " (expected: a whole number >= 0)");
                    }
                    shape[d] = dim.longValue();
                }
            }
            return new StepInput(flatten(content), shape);
        }
        throw new PerfException(where + ": " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                + " value (expected: an array of values or {\"content\":[...],\"shape\":[...]})");
    }

    private static List<JsonNode> flatten(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        flattenInto(array, out);
        return out;
    }

    private static void flattenInto(JsonNode node, List<JsonNode> out) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                flattenInto(child, out);
            }
        } else {
            out.add(node);
        }
    }
}
