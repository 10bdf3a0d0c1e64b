package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tensorline.engine.DataType;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns an input's JSON {@code data} array (flat or nested, flattened row-major) into the raw tensor layout, checking
 * every element against the datatype: BOOL takes true/false, integer types take integral numbers within their range,
 * FP32/FP64 take numbers, bare NaN/Infinity/-Infinity tokens, and the strings "NaN", "Infinity", "-Infinity" that our
 * replies use; BYTES takes strings (stored UTF-8 with a 4-byte little-endian length). One instance reads one array;
 * not thread-safe.
 */
final class TensorDataReader {

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final JsonParser p;
    private final String input;
    private final DataType type;
    private final long[] shape;
    private final long expected;
    private ByteBuffer fixed;
    private byte[] bytes;
    private int bytesSize;
    private long count;

    private TensorDataReader(JsonParser p, String input, DataType type, long[] shape, long expected) {
        this.p = p;
        this.input = input;
        this.type = type;
        this.shape = shape;
        this.expected = expected;
    }

    /**
     * Reads the array whose START_ARRAY is the parser's current token, leaving the parser on its END_ARRAY.
     *
     * @param shape     the input's shape, non-negative dimensions
     * @param maxLength an upper bound on the array's JSON length, so a huge shape cannot make us allocate more
     *                  than the request could fill
     */
    static ByteBuffer read(JsonParser p, String input, DataType type, long[] shape, long elementCount, int maxLength)
            throws IOException {
        if (type == DataType.FP16 || type == DataType.BF16) {
            throw InferenceException.invalid("input '%s' has datatype %s, which JSON cannot carry "
                    + "(expected: send %s as binary data with parameters.binary_data_size)", input, type, type);
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.invalid("input '%s' has 'data' that is not an array (expected: a JSON array, "
                    + "flat or nested, of %d elements)", input, elementCount);
        }
        TensorDataReader r = new TensorDataReader(p, input, type, shape, elementCount);
        // each element takes at least one character plus a separator, so more than maxLength/2+1 cannot match
        boolean plausible = elementCount <= maxLength / 2 + 1
                && elementCount * Math.max(type.byteSize(), 1) < Integer.MAX_VALUE - 16;
        if (plausible && type.isFixedSize()) {
            r.fixed = ByteBuffer.allocate(Math.toIntExact(elementCount * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        } else if (plausible) {
            r.bytes = new byte[(int) Math.min(elementCount * 8 + 16, maxLength + 16L)];
        }
        r.readArray(plausible);
        if (r.count != elementCount) {
            throw InferenceException.invalid("input '%s' has %d elements in 'data' (expected: %d for shape %s)",
                    input, r.count, elementCount, compact(shape));
        }
        if (!plausible) {
            throw InferenceException.invalid("input '%s' has %d elements in 'data', too many for one tensor in JSON "
                    + "(expected: binary data for tensors this large)", input, elementCount);
        }
        return type.isFixedSize() ? r.fixed.flip() : ByteBuffer.wrap(r.bytes, 0, r.bytesSize);
    }

    private void readArray(boolean store) throws IOException {
        int depth = 0;
        while (true) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                if (depth == 0) {
                    return;
                }
                depth--;
            } else if (t == null) {
                throw InferenceException.invalid("malformed JSON request body: 'data' of input '%s' is not closed",
                        input);
            } else {
                if (store && count < expected) {
                    element(t);
                } else if (t.isStructStart()) {
                    p.skipChildren();
                }
                count++;
            }
        }
    }

    private void element(JsonToken t) throws IOException {
        switch (type) {
            case BOOL -> fixed.put(bool(t));
            case INT8 -> fixed.put((byte) integer(t, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case INT16 -> fixed.putShort((short) integer(t, Short.MIN_VALUE, Short.MAX_VALUE));
            case INT32 -> fixed.putInt((int) integer(t, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case INT64 -> fixed.putLong(integer(t, Long.MIN_VALUE, Long.MAX_VALUE));
            case UINT8 -> fixed.put((byte) integer(t, 0, 0xFF));
            case UINT16 -> fixed.putShort((short) integer(t, 0, 0xFFFF));
            case UINT32 -> fixed.putInt((int) integer(t, 0, 0xFFFF_FFFFL));
            case UINT64 -> fixed.putLong(unsigned64(t));
            case FP32 -> fixed.putFloat(fp32(t));
            case FP64 -> fixed.putDouble(fp64(t));
            case BYTES -> string(t);
            default -> throw new IllegalStateException("unreachable: " + type);
        }
    }

    private byte bool(JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_TRUE) {
            return 1;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return 0;
        }
        throw bad(t, "true or false for BOOL");
    }

    private long integer(JsonToken t, long min, long max) throws IOException {
        long v;
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw bad(t, range(min, max));
            }
            v = p.getLongValue();
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT && !p.isNaN()) {
            BigDecimal d = p.getDecimalValue();
            try {
                v = d.longValueExact();
            } catch (ArithmeticException e) {
                throw bad(t, d.stripTrailingZeros().scale() > 0 ? "an integer for " + type : range(min, max));
            }
        } else {
            throw bad(t, "an integer JSON number for " + type);
        }
        if (v < min || v > max) {
            throw bad(t, range(min, max));
        }
        return v;
    }

    private long unsigned64(JsonToken t) throws IOException {
        BigInteger v;
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                long l = p.getLongValue();
                if (l < 0) {
                    throw bad(t, "UINT64 range [0, " + UINT64_MAX + "]");
                }
                return l;
            }
            v = p.getBigIntegerValue();
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT && !p.isNaN()) {
            try {
                v = p.getDecimalValue().toBigIntegerExact();
            } catch (ArithmeticException e) {
                throw bad(t, "an integer for UINT64");
            }
        } else {
            throw bad(t, "an integer JSON number for UINT64");
        }
        if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
            throw bad(t, "UINT64 range [0, " + UINT64_MAX + "]");
        }
        return v.longValue();
    }

    private float fp32(JsonToken t) throws IOException {
        double d = fp64(t);
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
            throw bad(t, "a number within FP32 range");
        }
        return f;
    }

    private double fp64(JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            // the strings our replies use for non-finite values
            switch (p.getText()) {
                case "NaN" -> {
                    return Double.NaN;
                }
                case "Infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> throw bad(t, "a JSON number, or \"NaN\", \"Infinity\" or \"-Infinity\", for " + type);
            }
        }
        if (!t.isNumeric()) {
            throw bad(t, "a JSON number for " + type);
        }
        return p.getDoubleValue();
    }

    private void string(JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw bad(t, "a JSON string for BYTES");
        }
        byte[] utf8 = p.getText().getBytes(StandardCharsets.UTF_8);
        int need = bytesSize + 4 + utf8.length;
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
        }
        ByteBuffer.wrap(bytes, bytesSize, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length);
        System.arraycopy(utf8, 0, bytes, bytesSize + 4, utf8.length);
        bytesSize = need;
    }

    private String range(long min, long max) {
        return type + " range [" + min + ", " + max + "]";
    }

    private InferenceException bad(JsonToken t, String expectedWhat) throws IOException {
        String text = t.isStructStart() ? "an object" : t == JsonToken.VALUE_STRING ? "\"" + p.getText() + "\""
                : p.getText();
        if (text.length() > 40) {
            text = text.substring(0, 40) + "...";
        }
        return new InferenceException(ErrorCode.INVALID_ARGUMENT, "input '" + input + "': element " + count
                + " of 'data' is " + text + " (expected: " + expectedWhat + ")");
    }

    /** A shape as {@code [2,3]}. */
    static String compact(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return b.append(']').toString();
    }
}
