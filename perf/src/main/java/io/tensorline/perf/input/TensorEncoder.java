package io.tensorline.perf.input;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.client.InferTensor;
import io.tensorline.perf.PerfException;
import io.tensorline.perf.model.DataTypes;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Turns values (from JSON, random or zero) into the protocol's raw little-endian layout; FP16 and BYTES elements are
 * laid out by the client library's tensors.
 */
public final class TensorEncoder {

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private TensorEncoder() {
    }

    /** JSON values, already flattened, to raw bytes; {@code where} names the input for messages. */
    public static byte[] fromJson(String datatype, List<JsonNode> values, String where) throws PerfException {
        int size = DataTypes.size(datatype);
        if (size == DataTypes.VARIABLE) {
            String[] strings = new String[values.size()];
            for (int i = 0; i < strings.length; i++) {
                JsonNode v = values.get(i);
                if (!v.isTextual()) {
                    throw new PerfException(where + ": BYTES value " + v + " is not a string (expected: JSON strings)");
                }
                strings[i] = v.textValue();
            }
            return InferTensor.strings(where, strings).rawBytes();
        }
        if (datatype.equals("FP16")) {
            float[] floats = new float[values.size()];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = (float) number(values.get(i), datatype, where);
            }
            return InferTensor.fp16(where, floats).rawBytes();
        }
        ByteBuffer buf = ByteBuffer.allocate(values.size() * size).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : values) {
            putJson(buf, datatype, v, where);
        }
        return buf.array();
    }

    /** Random values: floats in [0, 1), integers in [0, 128), booleans, or strings of {@code stringLength}. */
    public static byte[] random(String datatype, long elements, int stringLength, Random rnd) {
        int size = DataTypes.size(datatype);
        if (size == DataTypes.VARIABLE) {
            byte[][] strings = new byte[Math.toIntExact(elements)][stringLength];
            for (byte[] s : strings) {
                for (int c = 0; c < stringLength; c++) {
                    s[c] = (byte) ('a' + rnd.nextInt(26));
                }
            }
            return InferTensor.bytes("random", strings).rawBytes();
        }
        if (datatype.equals("FP16")) {
            float[] floats = new float[Math.toIntExact(elements)];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = rnd.nextFloat();
            }
            return InferTensor.fp16("random", floats).rawBytes();
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(elements * size)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < elements; i++) {
            switch (datatype) {
                case "BOOL" -> buf.put((byte) rnd.nextInt(2));
                case "BF16" -> buf.putShort(bf16(rnd.nextFloat()));
                case "FP32" -> buf.putFloat(rnd.nextFloat());
                case "FP64" -> buf.putDouble(rnd.nextDouble());
                default -> putInteger(buf, size, rnd.nextInt(128));
            }
        }
        return buf.array();
    }

    /** All-zero values; BYTES elements are strings of {@code stringLength} '0' characters. */
    public static byte[] zero(String datatype, long elements, int stringLength) {
        if (DataTypes.size(datatype) == DataTypes.VARIABLE) {
            String[] strings = new String[Math.toIntExact(elements)];
            Arrays.fill(strings, "0".repeat(stringLength));
            return InferTensor.strings("zero", strings).rawBytes();
        }
        return new byte[Math.toIntExact(elements * DataTypes.size(datatype))];
    }

    /** {@code item} repeated {@code times} times: one batch element's data for every row of the batch. */
    public static byte[] repeat(byte[] item, int times) {
        byte[] out = new byte[Math.multiplyExact(item.length, times)];
        for (int i = 0; i < times; i++) {
            System.arraycopy(item, 0, out, i * item.length, item.length);
        }
        return out;
    }

    private static void putJson(ByteBuffer buf, String datatype, JsonNode v, String where) throws PerfException {
        switch (datatype) {
            case "BOOL" -> {
                if (v.isBoolean()) {
                    buf.put((byte) (v.booleanValue() ? 1 : 0));
                } else if (v.isIntegralNumber() && (v.longValue() == 0 || v.longValue() == 1)) {
                    buf.put((byte) v.longValue());
                } else {
                    throw new PerfException(where + ": BOOL value " + v + " (expected: true, false, 0 or 1)");
                }
            }
            case "BF16" -> buf.putShort(bf16((float) number(v, datatype, where)));
            case "FP32" -> buf.putFloat((float) number(v, datatype, where));
            case "FP64" -> buf.putDouble(number(v, datatype, where));
            default -> putInteger(buf, DataTypes.size(datatype), integer(v, datatype, where));
        }
    }

    private static double number(JsonNode v, String datatype, String where) throws PerfException {
        if (!v.isNumber()) {
            throw new PerfException(where + ": " + datatype + " value " + v + " is not a number (expected: JSON numbers)");
        }
        return v.doubleValue();
    }

    private static long integer(JsonNode v, String datatype, String where) throws PerfException {
        if (!v.isIntegralNumber()) {
            throw new PerfException(where + ": " + datatype + " value " + v
                    + " is not a whole number (expected: JSON integers)");
        }
        BigInteger big = v.bigIntegerValue();
        BigInteger min;
        BigInteger max;
        if (datatype.startsWith("UINT")) {
            int bits = DataTypes.size(datatype) * 8;
            min = BigInteger.ZERO;
            max = bits == 64 ? UINT64_MAX : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        } else {
            int bits = DataTypes.size(datatype) * 8;
            min = BigInteger.ONE.shiftLeft(bits - 1).negate();
            max = BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
        }
        if (big.compareTo(min) < 0 || big.compareTo(max) > 0) {
            throw new PerfException(where + ": " + datatype + " value " + v + " is out of range (expected: "
                    + min + " to " + max + ")");
        }
        return big.longValue();
    }

    private static void putInteger(ByteBuffer buf, int size, long value) {
        switch (size) {
            case 1 -> buf.put((byte) value);
            case 2 -> buf.putShort((short) value);
            case 4 -> buf.putInt((int) value);
            default -> buf.putLong(value);
        }
    }

    private static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
