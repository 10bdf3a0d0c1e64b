package io.tensorline.batch;

import io.tensorline.client.InferResult;
import io.tensorline.proto.ModelMetadataResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Results as one NumPy {@code .npy} array (format 1.0, C order, little-endian): the model's single output, one row
 * per scored input row, in input order, written as the engine's raw bytes (no text formatting). The array has no
 * row-number column: rows skipped as bad ({@code --on-error=skip}) close up, and the errors file says which they
 * were. The header, which states the row count, is written when the chunks are joined.
 */
final class NpyOutput {

    /** NumPy's type strings for the fixed-size datatypes; shared with {@link NpySource}. */
    static final Map<String, String> DESCR_TO_DATATYPE = Map.ofEntries(
            Map.entry("<f4", "FP32"), Map.entry("<f8", "FP64"), Map.entry("<f2", "FP16"),
            Map.entry("<i8", "INT64"), Map.entry("<i4", "INT32"), Map.entry("<i2", "INT16"), Map.entry("|i1", "INT8"),
            Map.entry("|u1", "UINT8"), Map.entry("<u2", "UINT16"), Map.entry("<u4", "UINT32"),
            Map.entry("<u8", "UINT64"), Map.entry("|b1", "BOOL"));
    private static final Map<String, String> DATATYPE_TO_DESCR = DESCR_TO_DATATYPE.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));

    private final String descr;
    private final long[] rowShape;
    private final long rowBytes;

    private NpyOutput(String descr, long[] rowShape, long rowBytes) {
        this.descr = descr;
        this.rowShape = rowShape;
        this.rowBytes = rowBytes;
    }

    /** @throws IllegalArgumentException the model's outputs do not fit one fixed-shape array */
    static NpyOutput of(ModelMetadataResponse meta, int maxBatchSize, String output) {
        if (meta.getOutputsCount() != 1) {
            throw new IllegalArgumentException("--output " + output + ": a .npy file holds one array, model '"
                    + meta.getName() + "' has " + meta.getOutputsCount() + " outputs (expected: one; use .jsonl or .csv)");
        }
        ModelMetadataResponse.TensorMetadata t = meta.getOutputs(0);
        String descr = DATATYPE_TO_DESCR.get(t.getDatatype());
        if (descr == null) {
            throw new IllegalArgumentException("--output " + output + ": output '" + t.getName() + "' is "
                    + t.getDatatype() + ", which .npy output cannot hold (expected: numbers or BOOL; use .jsonl or .csv)");
        }
        long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
        long[] row = maxBatchSize > 0 ? java.util.Arrays.copyOfRange(shape, 1, shape.length) : shape;
        long bytes = Long.parseLong(descr.substring(2));
        for (long d : row) {
            if (d < 0) {
                throw new IllegalArgumentException("--output " + output + ": output '" + t.getName()
                        + "' has the variable shape " + java.util.Arrays.toString(row)
                        + " (expected: fixed dimensions for one array; use .jsonl or .csv)");
            }
            bytes *= d;
        }
        return new NpyOutput(descr, row, bytes);
    }

    /** The results' raw bytes, batch after batch. */
    static byte[] body(List<InferResult> results) {
        int total = 0;
        for (InferResult r : results) {
            total += r.outputs().get(0).data().remaining();
        }
        byte[] out = new byte[total];
        int at = 0;
        for (InferResult r : results) {
            ByteBuffer d = r.outputs().get(0).data();
            int n = d.remaining();
            d.get(out, at, n);
            at += n;
        }
        return out;
    }

    /** The file header for {@code bodyBytes} of rows: magic, version 1.0, the dict padded to a multiple of 64. */
    byte[] header(long bodyBytes) {
        if (rowBytes > 0 && bodyBytes % rowBytes != 0) {
            throw new IllegalStateException(bodyBytes + " bytes of results are not whole rows of " + rowBytes);
        }
        long rows = rowBytes == 0 ? 0 : bodyBytes / rowBytes;
        StringBuilder shape = new StringBuilder().append(rows);
        for (long d : rowShape) {
            shape.append(", ").append(d);
        }
        if (rowShape.length == 0) {
            shape.append(',');
        }
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (").append(shape).append("), }");
        while ((10 + dict.length() + 1) % 64 != 0) {
            dict.append(' ');
        }
        dict.append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) text.length).put(text);
        return b.array();
    }
}
