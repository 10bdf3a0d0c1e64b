package io.tensorline.batch;

import io.tensorline.client.InferResult;
import io.tensorline.client.InferTensor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How result rows are written: JSON Lines ({@code {"row": 0, "OUTPUT0": [..]}}) or CSV (a {@code row} column, then
 * one column per output element, {@code OUTPUT0_0 ..}), whose rows carry their 0-based input row, so skipped bad
 * rows leave a visible gap; or NumPy {@code .npy} ({@link NpyOutput}: the raw rows of a single output). Stateless.
 */
enum OutputFormat {
    JSON_LINES, CSV, NPY;

    static OutputFormat of(Path output) {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return JSON_LINES;
        }
        if (name.endsWith(".csv")) {
            return CSV;
        }
        if (name.endsWith(".npy")) {
            return NPY;
        }
        throw new IllegalArgumentException("--output " + output + ": unknown format (expected: .jsonl, .ndjson, .csv "
                + "or .npy)");
    }

    /** The CSV header for results shaped like {@code first}; empty for JSON Lines and .npy. */
    String header(InferResult first, int rows) {
        if (this != CSV) {
            return "";
        }
        StringBuilder b = new StringBuilder("row");
        for (InferTensor t : first.outputs()) {
            long perRow = t.elementCount() / rows;
            for (long e = 0; e < perRow; e++) {
                b.append(',').append(t.name());
                if (perRow > 1) {
                    b.append('_').append(e);
                }
            }
        }
        return b.append('\n').toString();
    }

    /**
     * The rows of a chunk's results, in order, as the bytes of its part file; {@code batches.get(i)} are the
     * batches whose rows {@code results.get(i)} holds, one after the other.
     */
    byte[] body(List<InferResult> results, List<List<BatchBuffers>> batches) {
        if (this == NPY) {
            return NpyOutput.body(results);
        }
        StringBuilder rows = new StringBuilder(64 * batches.size());
        for (int i = 0; i < batches.size(); i++) {
            write(results.get(i), batches.get(i), rows);
        }
        return utf8(rows);
    }

    /** Appends the rows of one result, answering {@code batches} one after the other, as text. */
    void write(InferResult result, List<BatchBuffers> batches, StringBuilder out) {
        int rows = 0;
        for (BatchBuffers b : batches) {
            rows += b.rows();
        }
        List<InferTensor> outputs = result.outputs();
        ByteBuffer[] data = new ByteBuffer[outputs.size()];
        Object[] decoded = new Object[data.length];
        for (int i = 0; i < data.length; i++) {
            data[i] = outputs.get(i).data(); // a view per call: taken once per result, not per row
            decoded[i] = decoded(outputs.get(i)); // the same for the typed readers' arrays
        }
        int b = 0;
        int inBatch = 0;
        for (int r = 0; r < rows; r++, inBatch++) {
            while (inBatch == batches.get(b).rows()) {
                b++;
                inBatch = 0;
            }
            long rowIndex = batches.get(b).rowIndex(inBatch);
            if (this == JSON_LINES) {
                out.append("{\"row\":").append(rowIndex);
                for (int i = 0; i < data.length; i++) {
                    InferTensor t = outputs.get(i);
                    out.append(",\"").append(t.name()).append("\":[");
                    elements(t, data[i], decoded[i], r, rows, out, true);
                    out.append(']');
                }
                out.append("}\n");
            } else {
                out.append(rowIndex);
                for (int i = 0; i < data.length; i++) {
                    out.append(',');
                    elements(outputs.get(i), data[i], decoded[i], r, rows, out, false);
                }
                out.append('\n');
            }
        }
    }

    /** The typed reader's array for the datatypes written through one, else null (read from the buffer). */
    private static Object decoded(InferTensor t) {
        return switch (t.datatype()) {
            case "FP16", "BF16" -> t.asFloats();
            case "BOOL" -> t.asBooleans();
            case "INT8", "UINT8", "INT16", "UINT16", "INT32", "UINT32", "INT64", "UINT64" -> t.asLongs();
            case "BYTES" -> t.asStrings();
            default -> null;
        };
    }

    private static void elements(InferTensor t, ByteBuffer d, Object decoded, int row, int rows, StringBuilder out,
                                 boolean json) {
        int perRow = (int) (t.elementCount() / rows);
        int first = row * perRow;
        String sep = json ? "," : ",";
        switch (t.datatype()) {
            case "FP32" -> {
                for (int i = 0; i < perRow; i++) {
                    if (i > 0) {
                        out.append(sep);
                    }
                    FloatText.append(d.getFloat((first + i) * 4), out);
                }
            }
            case "FP64" -> {
                for (int i = 0; i < perRow; i++) {
                    out.append(i == 0 ? "" : sep).append(d.getDouble((first + i) * 8));
                }
            }
            case "FP16", "BF16", "INT8", "UINT8", "INT16", "UINT16", "INT32", "UINT32", "INT64", "UINT64", "BOOL" -> {
                // the typed readers do the widening; a batch's output is small next to its inference
                String s = switch (t.datatype()) {
                    case "FP16", "BF16" -> join((float[]) decoded, first, perRow, sep);
                    case "BOOL" -> joinBools((boolean[]) decoded, first, perRow, sep);
                    case "UINT64" -> joinUnsigned((long[]) decoded, first, perRow, sep);
                    default -> join((long[]) decoded, first, perRow, sep);
                };
                out.append(s);
            }
            case "BYTES" -> {
                String[] all = (String[]) decoded;
                for (int i = 0; i < perRow; i++) {
                    out.append(i == 0 ? "" : sep);
                    quote(all[first + i], out, json);
                }
            }
            default -> throw new IllegalStateException("output '" + t.name() + "' has datatype " + t.datatype());
        }
    }

    private static String join(float[] v, int from, int n, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : sep).append(v[from + i]);
        }
        return b.toString();
    }

    private static String join(long[] v, int from, int n, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : sep).append(v[from + i]);
        }
        return b.toString();
    }

    private static String joinUnsigned(long[] v, int from, int n, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : sep).append(Long.toUnsignedString(v[from + i]));
        }
        return b.toString();
    }

    private static String joinBools(boolean[] v, int from, int n, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : sep).append(v[from + i]);
        }
        return b.toString();
    }

    /** A JSON string, or a CSV cell quoted when it needs to be. */
    static void quote(String s, StringBuilder out, boolean json) {
        if (!json) {
            if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
                out.append(s);
            } else {
                out.append('"').append(s.replace("\"", "\"\"")).append('"');
            }
            return;
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    static byte[] utf8(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
