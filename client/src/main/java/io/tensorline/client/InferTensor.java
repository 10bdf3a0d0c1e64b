package io.tensorline.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor in the protocol's raw layout (row-major, little-endian; BYTES elements as a 4-byte little-endian
 * length then the bytes), used both for inputs (built with the typed factories) and outputs (read with the typed
 * readers). Immutable: the factories copy arrays once into the raw layout, {@link #of} wraps a buffer as it is.
 */
public final class InferTensor {

    private final String name;
    private final String datatype;
    private final long[] shape;
    private final ByteBuffer data;

    private InferTensor(String name, String datatype, long[] shape, ByteBuffer data) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        int size = elementSize(datatype);
        if (size > 0 && (long) this.data.remaining() != elementCount() * size) {
            throw new IllegalArgumentException("tensor '" + name + "': " + this.data.remaining() + " bytes for "
                    + datatype + " shape " + Arrays.toString(shape) + " (expected: " + elementCount() * size + ")");
        }
    }

    /**
     * Wraps raw little-endian data (from its position to its limit) without copying; a direct buffer stays direct.
     * The caller must not change the bytes until the request has been sent.
     */
    public static InferTensor of(String name, String datatype, ByteBuffer data, long... shape) {
        return new InferTensor(name, datatype, shape, data);
    }

    public static InferTensor fp32(String name, float[] values, long... shape) {
        ByteBuffer b = alloc(values.length * 4L);
        b.asFloatBuffer().put(values);
        return new InferTensor(name, "FP32", shapeOr(shape, values.length), b);
    }

    /** FP16 elements converted from floats (round to nearest even). */
    public static InferTensor fp16(String name, float[] values, long... shape) {
        ByteBuffer b = alloc(values.length * 2L);
        for (int i = 0; i < values.length; i++) {
            b.putShort(i * 2, Fp16.fromFloat(values[i]));
        }
        return new InferTensor(name, "FP16", shapeOr(shape, values.length), b);
    }

    public static InferTensor fp64(String name, double[] values, long... shape) {
        ByteBuffer b = alloc(values.length * 8L);
        b.asDoubleBuffer().put(values);
        return new InferTensor(name, "FP64", shapeOr(shape, values.length), b);
    }

    public static InferTensor int32(String name, int[] values, long... shape) {
        ByteBuffer b = alloc(values.length * 4L);
        b.asIntBuffer().put(values);
        return new InferTensor(name, "INT32", shapeOr(shape, values.length), b);
    }

    public static InferTensor int64(String name, long[] values, long... shape) {
        ByteBuffer b = alloc(values.length * 8L);
        b.asLongBuffer().put(values);
        return new InferTensor(name, "INT64", shapeOr(shape, values.length), b);
    }

    /** INT8 or UINT8 elements ({@code datatype}) from bytes. */
    public static InferTensor int8(String name, String datatype, byte[] values, long... shape) {
        if (!datatype.equals("INT8") && !datatype.equals("UINT8")) {
            throw new IllegalArgumentException("datatype " + datatype + " (expected: INT8 or UINT8)");
        }
        return new InferTensor(name, datatype, shapeOr(shape, values.length), ByteBuffer.wrap(values.clone()));
    }

    public static InferTensor bool(String name, boolean[] values, long... shape) {
        ByteBuffer b = alloc(values.length);
        for (int i = 0; i < values.length; i++) {
            b.put(i, (byte) (values[i] ? 1 : 0));
        }
        return new InferTensor(name, "BOOL", shapeOr(shape, values.length), b);
    }

    public static InferTensor bytes(String name, byte[][] values, long... shape) {
        long total = 0;
        for (byte[] v : values) {
            total += 4 + v.length;
        }
        ByteBuffer b = alloc(total);
        for (byte[] v : values) {
            b.putInt(v.length).put(v);
        }
        b.flip();
        return new InferTensor(name, "BYTES", shapeOr(shape, values.length), b);
    }

    /** BYTES elements holding the strings' UTF-8. */
    public static InferTensor strings(String name, String[] values, long... shape) {
        byte[][] raw = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            raw[i] = values[i].getBytes(StandardCharsets.UTF_8);
        }
        return bytes(name, raw, shape);
    }

    public String name() {
        return name;
    }

    /** The protocol datatype, e.g. {@code "FP32"}. */
    public String datatype() {
        return datatype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A read-only little-endian view of the raw data, positioned at 0. */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The raw data as a new array. */
    public byte[] rawBytes() {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    /** FP32 as is; FP16, BF16 and FP64 converted. */
    public float[] asFloats() {
        int n = count();
        float[] out = new float[n];
        switch (datatype) {
            case "FP32" -> data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            case "FP16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Fp16.toFloat(data.getShort(i * 2));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Fp16.bf16ToFloat(data.getShort(i * 2));
                }
            }
            case "FP64" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.getDouble(i * 8);
                }
            }
            default -> throw mismatch("FP32, FP16, BF16 or FP64");
        }
        return out;
    }

    /** FP64 as is; FP32 widened. */
    public double[] asDoubles() {
        int n = count();
        double[] out = new double[n];
        switch (datatype) {
            case "FP64" -> data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
            case "FP32" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data.getFloat(i * 4);
                }
            }
            default -> throw mismatch("FP64 or FP32");
        }
        return out;
    }

    /** INT32 as is; INT8, INT16, UINT8 and UINT16 widened. */
    public int[] asInts() {
        int n = count();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (datatype) {
                case "INT32" -> data.getInt(i * 4);
                case "INT16" -> data.getShort(i * 2);
                case "UINT16" -> data.getShort(i * 2) & 0xffff;
                case "INT8" -> data.get(i);
                case "UINT8" -> data.get(i) & 0xff;
                default -> throw mismatch("INT32, INT16, INT8, UINT16 or UINT8");
            };
        }
        return out;
    }

    /** INT64 (and UINT64 bit for bit) as is; every narrower integer type widened. */
    public long[] asLongs() {
        return switch (datatype) {
            case "INT64", "UINT64" -> {
                long[] out = new long[count()];
                data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
                yield out;
            }
            case "UINT32" -> {
                long[] out = new long[count()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = data.getInt(i * 4) & 0xffffffffL;
                }
                yield out;
            }
            default -> Arrays.stream(asInts()).asLongStream().toArray();
        };
    }

    public boolean[] asBooleans() {
        if (!datatype.equals("BOOL")) {
            throw mismatch("BOOL");
        }
        boolean[] out = new boolean[count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get(i) != 0;
        }
        return out;
    }

    public byte[][] asBytes() {
        if (!datatype.equals("BYTES")) {
            throw mismatch("BYTES");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[][] out = new byte[count()][];
        for (int i = 0; i < out.length; i++) {
            if (b.remaining() < 4) {
                throw new IllegalStateException("tensor '" + name + "': BYTES data ends before element " + i);
            }
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new IllegalStateException("tensor '" + name + "': BYTES element " + i + " claims " + len
                        + " bytes, " + b.remaining() + " left");
            }
            out[i] = new byte[len];
            b.get(out[i]);
        }
        return out;
    }

    /** BYTES elements read as UTF-8. */
    public String[] asStrings() {
        byte[][] raw = asBytes();
        String[] out = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = new String(raw[i], StandardCharsets.UTF_8);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(shape);
    }

    /** Bytes per element of a protocol datatype, 0 for BYTES. */
    static int elementSize(String datatype) {
        return switch (datatype) {
            case "BOOL", "INT8", "UINT8" -> 1;
            case "INT16", "UINT16", "FP16", "BF16" -> 2;
            case "INT32", "UINT32", "FP32" -> 4;
            case "INT64", "UINT64", "FP64" -> 8;
            case "BYTES" -> 0;
            default -> throw new IllegalArgumentException("unknown datatype '" + datatype
                    + "' (expected: BOOL, INT8..INT64, UINT8..UINT64, FP16, BF16, FP32, FP64 or BYTES)");
        };
    }

    private int count() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor '" + name + "' has " + n + " elements, too many for an array");
        }
        return (int) n;
    }

    private IllegalStateException mismatch(String expected) {
        return new IllegalStateException("tensor '" + name + "' is " + datatype + " (expected: " + expected + ")");
    }

    private static ByteBuffer alloc(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large for one buffer");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long[] shapeOr(long[] shape, int length) {
        return shape.length == 0 ? new long[] {length} : shape;
    }
}
