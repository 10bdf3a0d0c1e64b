package io.tensorline.batch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Lines: one object per line; an input's field holds a scalar or a (nested) array of its row's elements. Each
 * line is checked as strict JSON and its wanted fields found by {@link JsonRowScanner} (no tree is built); FP32 and
 * FP64 elements are read from the line's characters straight into the batch, other datatypes from their token.
 */
final class JsonLinesSource extends LineSource {

    private final ModelInputs inputs;
    private final JsonRowScanner scanner;
    private final String[][] columns; // per input, its fields
    private final int[][] fieldIndex; // per input, each field's index in the scanner

    JsonLinesSource(Path file, ModelInputs inputs) throws IOException {
        super(new CountingReader(file));
        this.inputs = inputs;
        List<String> fields = new ArrayList<>();
        int n = inputs.slots().size();
        columns = new String[n][];
        fieldIndex = new int[n][];
        for (int i = 0; i < n; i++) {
            columns[i] = inputs.slots().get(i).columns().toArray(new String[0]);
            fieldIndex[i] = new int[columns[i].length];
            for (int c = 0; c < columns[i].length; c++) {
                int at = fields.indexOf(columns[i][c]);
                if (at < 0) {
                    at = fields.size();
                    fields.add(columns[i][c]);
                }
                fieldIndex[i][c] = at;
            }
        }
        this.scanner = new JsonRowScanner(fields);
    }

    @Override
    public boolean next(BatchBuffers into, long rowIndex) throws IOException, BadRowException {
        String text = in.nextLine();
        if (text == null) {
            return false;
        }
        scanner.scan(text);
        into.beginRow();
        try {
            for (int i = 0; i < columns.length; i++) {
                ModelInputs.Slot s = inputs.slots().get(i);
                for (int c = 0; c < columns[i].length; c++) {
                    String field = columns[i][c];
                    int at = scanner.valueStart(fieldIndex[i][c]);
                    if (at < 0 || scanner.charAt(at) == 'n') {
                        throw new BadRowException("missing field '" + field + "' for input '" + s.name() + "'");
                    }
                    put(into, i, s, field, at);
                }
            }
            into.endRow(rowIndex, in.line());
        } catch (BadRowException e) {
            into.rollbackRow();
            throw e;
        }
        return true;
    }

    /** Puts the elements of the (checked) value at {@code at}, arrays flattened; returns the position after it. */
    private int put(BatchBuffers into, int slot, ModelInputs.Slot s, String field, int at) throws BadRowException {
        char c = scanner.charAt(at);
        if (c == '[') {
            at = scanner.skipWhitespace(at + 1);
            if (scanner.charAt(at) == ']') {
                return at + 1;
            }
            while (true) {
                at = scanner.skipWhitespace(put(into, slot, s, field, at));
                if (scanner.charAt(at++) == ']') {
                    return at;
                }
                at = scanner.skipWhitespace(at); // past ','
            }
        }
        String datatype = s.datatype();
        if (c == '"') {
            int end = scanner.stringEnd(at);
            if (!datatype.equals("BYTES")) {
                throw holds(field, scanner.text(at, end), s);
            }
            into.put(slot, scanner.decode(at, end));
            return end;
        }
        if (c == 't' || c == 'f') {
            int end = at + (c == 't' ? 4 : 5);
            if (!datatype.equals("BOOL")) {
                throw holds(field, scanner.text(at, end), s);
            }
            into.put(slot, c == 't' ? "true" : "false");
            return end;
        }
        if (c == 'n') {
            throw holds(field, "null", s);
        }
        if (c == '{') {
            throw new BadRowException("field '" + field + "' holds an object (expected: " + expected(s) + ")");
        }
        switch (datatype) {
            case "FP32" -> into.putFloat(slot, scanner.parseFloat(at));
            case "FP64" -> into.putDouble(slot, scanner.parseDouble(at));
            case "BYTES", "BOOL" -> throw holds(field, scanner.text(at, scanner.numberEnd(at)), s);
            default -> into.put(slot, scanner.text(at, scanner.numberEnd(at)));
        }
        return scanner.numberEnd();
    }

    private static BadRowException holds(String field, String literal, ModelInputs.Slot s) {
        return new BadRowException("field '" + field + "' holds " + literal + " (expected: " + expected(s) + ")");
    }

    private static String expected(ModelInputs.Slot s) {
        return switch (s.datatype()) {
            case "BYTES" -> "strings";
            case "BOOL" -> "booleans";
            default -> "numbers, " + s.datatype();
        };
    }
}
