package io.tensorline.batch;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.nio.file.Path;

/** JSON Lines: one object per line; an input's field holds a scalar or a (nested) array of its row's elements. */
final class JsonLinesSource extends LineSource {

    private final ModelInputs inputs;

    JsonLinesSource(Path file, ModelInputs inputs) throws IOException {
        super(new CountingReader(file));
        this.inputs = inputs;
    }

    @Override
    public boolean next(BatchBuffers into, long rowIndex) throws IOException, BadRowException {
        String text = in.nextLine();
        if (text == null) {
            return false;
        }
        JsonObject row;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new BadRowException("the line is not a JSON object");
            }
            row = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new BadRowException("the line is not valid JSON: " + e.getMessage());
        }
        into.beginRow();
        try {
            for (int i = 0; i < inputs.slots().size(); i++) {
                ModelInputs.Slot s = inputs.slots().get(i);
                for (String field : s.columns()) {
                    JsonElement v = row.get(field);
                    if (v == null || v.isJsonNull()) {
                        throw new BadRowException("missing field '" + field + "' for input '" + s.name() + "'");
                    }
                    put(into, i, s, field, v);
                }
            }
            into.endRow(rowIndex, in.line());
        } catch (BadRowException e) {
            into.rollbackRow();
            throw e;
        }
        return true;
    }

    private static void put(BatchBuffers into, int slot, ModelInputs.Slot s, String field, JsonElement v)
            throws BadRowException {
        if (v.isJsonArray()) {
            for (JsonElement c : v.getAsJsonArray()) {
                put(into, slot, s, field, c);
            }
            return;
        }
        if (!v.isJsonPrimitive()) {
            throw new BadRowException("field '" + field + "' holds an object (expected: " + expected(s) + ")");
        }
        JsonPrimitive p = v.getAsJsonPrimitive();
        boolean ok = switch (s.datatype()) {
            case "BYTES" -> p.isString();
            case "BOOL" -> p.isBoolean();
            default -> p.isNumber();
        };
        if (!ok) {
            throw new BadRowException("field '" + field + "' holds " + p + " (expected: " + expected(s) + ")");
        }
        into.put(slot, p.getAsString());
    }

    private static String expected(ModelInputs.Slot s) {
        return switch (s.datatype()) {
            case "BYTES" -> "strings";
            case "BOOL" -> "booleans";
            default -> "numbers, " + s.datatype();
        };
    }
}
