package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tensorline.server.core.InferenceException;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small typed reads of JSON values with messages that say what was expected. */
final class JsonValues {

    private JsonValues() {
    }

    static String string(JsonParser p, JsonToken t, String what) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw InferenceException.invalid("%s is %s (expected: a JSON string)", what, describe(p, t));
        }
        return p.getText();
    }

    static boolean bool(JsonParser p, JsonToken t, String what) throws IOException {
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw InferenceException.invalid("%s is %s (expected: true or false)", what, describe(p, t));
        }
        return t == JsonToken.VALUE_TRUE;
    }

    /** A shape: an array of non-negative integers. */
    static long[] shape(JsonParser p, JsonToken t, String label) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw InferenceException.invalid("%s has 'shape' %s (expected: an array of dimensions)", label,
                    describe(p, t));
        }
        long[] dims = new long[4];
        int n = 0;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw InferenceException.invalid("%s has a 'shape' holding %s (expected: integer dimensions)", label,
                        describe(p, e));
            }
            if (n == dims.length) {
                dims = Arrays.copyOf(dims, n * 2);
            }
            dims[n++] = p.getLongValue();
        }
        long[] shape = Arrays.copyOf(dims, n);
        for (long d : shape) {
            if (d < 0) {
                throw InferenceException.invalid("%s has shape %s (expected: dimensions >= 0)", label,
                        TensorDataReader.compact(shape));
            }
        }
        return shape;
    }

    /**
     * A {@code parameters} object: string, integer (Long), floating (Double) and boolean values, in the order
     * sent; anything else is rejected.
     */
    static Map<String, Object> parameters(JsonParser p, JsonToken t, String what) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw InferenceException.invalid("%s is %s (expected: a JSON object)", what, describe(p, t));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            Object value = switch (v) {
                case VALUE_STRING -> p.getText();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                case VALUE_NUMBER_INT -> {
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        java.math.BigInteger big = p.getBigIntegerValue();
                        if (key.equals("sequence_id") && big.signum() > 0 && big.bitLength() <= 64) {
                            yield big.longValue(); // Triton reads a REST sequence_id as uint64: keep its bits
                        }
                        throw InferenceException.invalid("parameter '%s' in %s is %s (expected: a 64-bit integer)",
                                key, what, p.getText());
                    }
                    yield p.getLongValue();
                }
                default -> throw InferenceException.invalid("parameter '%s' in %s is %s (expected: a string, "
                        + "number or boolean)", key, what, describe(p, v));
            };
            out.put(key, value);
        }
        return Collections.unmodifiableMap(out);
    }

    static String describe(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return "missing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_NULL -> "null";
            case VALUE_STRING -> "\"" + abbreviate(p.getText()) + "\"";
            default -> abbreviate(p.getText());
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
