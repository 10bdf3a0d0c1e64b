package io.tensorline.server.http;

import io.tensorline.engine.DataType;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * One input of an infer request as parsed, before its tensor is built. Fields are set in whatever order the JSON
 * has them; {@link #check()} then says what is missing or contradictory. Used by one parse on one thread.
 */
final class PendingInput {
    final int index;
    String name;
    String datatype;
    long[] shape;
    Map<String, Object> parameters = Map.of();
    boolean hasData;
    ByteBuffer data;
    int dataStart = -1;
    int dataEnd = -1;
    long binarySize = -1;
    private DataType type;

    PendingInput(int index) {
        this.index = index;
    }

    String label() {
        return name == null ? "input #" + index : "input '" + name + "'";
    }

    /** The datatype, or null while unknown; fails for a name that is not a datatype. */
    DataType type() {
        if (type == null && datatype != null) {
            type = DataType.fromWireName(datatype);
            if (type == null) {
                throw InferenceException.invalid("%s has datatype '%s' (expected one of: %s)", label(), datatype,
                        Arrays.toString(DataType.values()));
            }
        }
        return type;
    }

    long elementCount() {
        long n = 1;
        for (long d : shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw InferenceException.invalid("%s has shape %s, which has too many elements", label(),
                        TensorDataReader.compact(shape));
            }
        }
        return n;
    }

    void check() {
        if (name == null) {
            throw InferenceException.invalid("input #%d has no 'name' (expected: the name of a model input)",
                    index);
        }
        if (datatype == null) {
            throw InferenceException.invalid("%s has no 'datatype' (expected one of: %s)", label(),
                    Arrays.toString(DataType.values()));
        }
        type();
        if (shape == null) {
            throw InferenceException.invalid("%s has no 'shape' (expected: an array of dimensions)", label());
        }
        elementCount();
        if (parameters.containsKey("shared_memory_region")) {
            throw new InferenceException(ErrorCode.UNSUPPORTED, label()
                    + " uses a shared memory region, which this server does not support (expected: 'data' or "
                    + "binary data)");
        }
        Object size = parameters.get("binary_data_size");
        if (size != null) {
            if (!(size instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                throw InferenceException.invalid("%s has parameters.binary_data_size %s (expected: a byte count "
                        + ">= 0)", label(), size);
            }
            binarySize = l;
        }
        if (hasData && binarySize >= 0) {
            throw InferenceException.invalid("%s has both 'data' and parameters.binary_data_size (expected: one "
                    + "of them)", label());
        }
        if (!hasData && binarySize < 0) {
            throw InferenceException.invalid("%s has neither 'data' nor parameters.binary_data_size (expected: "
                    + "one of them)", label());
        }
    }

    void checkBinarySize() {
        if (!type.isFixedSize()) {
            return; // BYTES: the validator counts the length-prefixed elements
        }
        long n = elementCount();
        long expected = n > Long.MAX_VALUE / type.byteSize() ? -1 : n * type.byteSize();
        if (binarySize != expected) {
            throw InferenceException.invalid("%s has binary_data_size %d (expected: %s bytes for %s shape %s)",
                    label(), binarySize, expected < 0 ? "more than 2^63" : Long.toString(expected), type,
                    TensorDataReader.compact(shape));
        }
    }
}
