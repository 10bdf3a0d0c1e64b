package io.tensorline.batch;

import io.tensorline.client.InferTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The input tensors of one batch, filled a row at a time straight from the file's text tokens (or raw bytes for
 * .npy) in the protocol's raw layout. A row that fails part way is rolled back. Confined to the reading thread.
 */
final class BatchBuffers {

    private final ModelInputs inputs;
    private final ByteBuffer[] buffers;
    private final int[] rowStart;
    private final int[] written;
    private final long[] rowIndex;
    private final long[] lineNumber;
    private int rows;

    BatchBuffers(ModelInputs inputs, int capacityRows) {
        this.inputs = inputs;
        int n = inputs.slots().size();
        this.buffers = new ByteBuffer[n];
        this.rowStart = new int[n];
        this.written = new int[n];
        this.rowIndex = new long[capacityRows];
        this.lineNumber = new long[capacityRows];
        for (int i = 0; i < n; i++) {
            ModelInputs.Slot s = inputs.slots().get(i);
            int perRow = s.elementSize() > 0 ? s.elementSize() * s.elementsPerRow() : 64 * s.elementsPerRow();
            buffers[i] = ByteBuffer.allocate(Math.max(16, perRow * capacityRows)).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    int rows() {
        return rows;
    }

    boolean full() {
        return rows == rowIndex.length;
    }

    /** How many more rows fit. */
    int room() {
        return rowIndex.length - rows;
    }

    /**
     * Whole rows of input {@code slot} read straight into its buffer (.npy, one input): {@code fill} gets the
     * backing array, the offset to fill from and the byte count, and returns false if the file ended short.
     */
    boolean putRows(int slot, int count, int rowBytes, long firstRow, long firstPosition, RawFill fill)
            throws java.io.IOException {
        ByteBuffer b = room(slot, count * rowBytes);
        if (!fill.fill(b.array(), b.arrayOffset() + b.position(), count * rowBytes)) {
            return false;
        }
        b.position(b.position() + count * rowBytes);
        for (int i = 0; i < count; i++) {
            rowIndex[rows] = firstRow + i;
            lineNumber[rows] = firstPosition + i;
            rows++;
        }
        return true;
    }

    /** Reads bytes into an array; see {@link #putRows}. */
    @FunctionalInterface
    interface RawFill {
        boolean fill(byte[] into, int offset, int length) throws java.io.IOException;
    }

    long rowIndex(int i) {
        return rowIndex[i];
    }

    long lineNumber(int i) {
        return lineNumber[i];
    }

    void beginRow() {
        for (int i = 0; i < buffers.length; i++) {
            rowStart[i] = buffers[i].position();
            written[i] = 0;
        }
    }

    /** Ends a row: every input must have got exactly its elements. */
    void endRow(long row, long line) throws BadRowException {
        for (int i = 0; i < buffers.length; i++) {
            ModelInputs.Slot s = inputs.slots().get(i);
            if (written[i] != s.elementsPerRow()) {
                throw new BadRowException("input '" + s.name() + "' got " + written[i] + " values (expected: "
                        + s.elementsPerRow() + " for shape " + Arrays.toString(s.rowShape()) + ")");
            }
        }
        rowIndex[rows] = row;
        lineNumber[rows] = line;
        rows++;
    }

    void rollbackRow() {
        for (int i = 0; i < buffers.length; i++) {
            buffers[i].position(rowStart[i]);
        }
    }

    /** One element of input {@code slot} from its text form. */
    void put(int slot, String token) throws BadRowException {
        ModelInputs.Slot s = inputs.slots().get(slot);
        if (written[slot] >= s.elementsPerRow()) {
            written[slot]++; // counted, reported by endRow
            return;
        }
        ByteBuffer b = room(slot, s.elementSize() > 0 ? s.elementSize() : 4 + token.length() * 3);
        try {
            switch (s.datatype()) {
                case "FP32" -> b.putFloat(Float.parseFloat(token));
                case "FP64" -> b.putDouble(Double.parseDouble(token));
                case "FP16" -> b.putShort(InferTensor.fp16("x", new float[] {Float.parseFloat(token)}).data().getShort(0));
                case "INT64" -> b.putLong(Long.parseLong(token));
                case "UINT64" -> b.putLong(Long.parseUnsignedLong(token));
                case "INT32" -> b.putInt(Integer.parseInt(token));
                case "UINT32" -> b.putInt((int) Long.parseLong(token));
                case "INT16", "UINT16" -> b.putShort((short) ranged(token, s.datatype()));
                case "INT8", "UINT8" -> b.put((byte) ranged(token, s.datatype()));
                case "BOOL" -> b.put(bool(token));
                case "BYTES" -> {
                    byte[] utf8 = token.getBytes(StandardCharsets.UTF_8);
                    room(slot, 4 + utf8.length).putInt(utf8.length).put(utf8);
                }
                default -> throw new BadRowException("input '" + s.name() + "' has datatype " + s.datatype()
                        + ", which batch files cannot give");
            }
        } catch (NumberFormatException e) {
            throw new BadRowException("input '" + s.name() + "': '" + token + "' is not " + s.datatype());
        }
        written[slot]++;
    }

    /** One FP32 element of input {@code slot}, already parsed. */
    void putFloat(int slot, float value) {
        if (written[slot]++ < inputs.slots().get(slot).elementsPerRow()) {
            room(slot, 4).putFloat(value);
        }
    }

    /** One FP64 element of input {@code slot}, already parsed. */
    void putDouble(int slot, double value) {
        if (written[slot]++ < inputs.slots().get(slot).elementsPerRow()) {
            room(slot, 8).putDouble(value);
        }
    }

    /** Raw little-endian elements of input {@code slot}, already in its datatype (.npy). */
    void putRaw(int slot, ByteBuffer raw, int elements) {
        room(slot, raw.remaining()).put(raw);
        written[slot] += elements;
    }

    /** The batch as tensors (the buffers are handed over: build a new BatchBuffers for the next batch). */
    List<InferTensor> tensors() {
        List<InferTensor> out = new ArrayList<>(buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            ModelInputs.Slot s = inputs.slots().get(i);
            long[] shape = inputs.maxBatchSize() > 0 ? prepend(rows, s.rowShape()) : s.rowShape();
            ByteBuffer data = buffers[i].duplicate().flip();
            out.add(InferTensor.of(s.name(), s.datatype(), data, shape));
        }
        return out;
    }

    private ByteBuffer room(int slot, int bytes) {
        ByteBuffer b = buffers[slot];
        if (b.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + bytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
            bigger.put(b.flip());
            buffers[slot] = bigger;
            b = bigger;
        }
        return b;
    }

    private static long ranged(String token, String datatype) throws BadRowException {
        long v = Long.parseLong(token);
        long min = datatype.startsWith("U") ? 0 : datatype.endsWith("8") ? Byte.MIN_VALUE : Short.MIN_VALUE;
        long max = datatype.equals("UINT8") ? 255 : datatype.equals("UINT16") ? 65535
                : datatype.endsWith("8") ? Byte.MAX_VALUE : Short.MAX_VALUE;
        if (v < min || v > max) {
            throw new BadRowException("'" + token + "' is out of range for " + datatype);
        }
        return v;
    }

    private static byte bool(String token) throws BadRowException {
        return switch (token) {
            case "true", "1", "True", "TRUE" -> 1;
            case "false", "0", "False", "FALSE" -> 0;
            default -> throw new BadRowException("'" + token + "' is not a BOOL (expected: true, false, 1 or 0)");
        };
    }

    private static long[] prepend(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
