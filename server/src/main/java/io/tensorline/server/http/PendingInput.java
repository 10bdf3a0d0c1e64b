package io.tensorline.server.http;

import io.tensorline.engine.DataType;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.SharedMemoryParameters;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * One input of an infer request as parsed, before its tensor is built. Fields are set in whatever order the JSON
 * has them; {@link #check()} then says what is missing or contradictory. Used by one parse on one thread.
 */
final class PendingInput {
    /** Triton's words for an input with no data field, or more than one. */
    private static final String ONLY_ONE = "Input must set only one of the following fields: 'data', "
            + "'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'.";

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
    /** Where the data is when it is in shared memory, else null (set by {@link #check()}). */
    SharedMemoryParameters.Reference sharedMemory;
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
        if (parameters.containsKey(SharedMemoryParameters.REGION) && (hasData
                || parameters.containsKey("binary_data_size"))) {
            throw InferenceException.invalid("%s But set %s 'shared_memory_region' (%s)", ONLY_ONE,
                    hasData ? "'data'" : "'binary_data_size'", label());
        }
        sharedMemory = SharedMemoryParameters.parse(name, parameters, false);
        if (sharedMemory != null) {
            return;
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
            throw InferenceException.invalid("%s But set 'data' 'binary_data_size' (%s)", ONLY_ONE, label());
        }
        if (!hasData && binarySize < 0) {
            throw InferenceException.invalid("%s But no field is set (%s)", ONLY_ONE, label());
        }
    }

    void checkBinarySize(String model, String requestId) {
        checkByteSize(model, requestId, binarySize);
    }

    /** A fixed-size input's data (binary or in shared memory) must be exactly its byte count. */
    void checkByteSize(String model, String requestId, long actual) {
        if (!type.isFixedSize()) {
            return; // BYTES: the validator counts the length-prefixed elements
        }
        long n = elementCount();
        long expected = n > Long.MAX_VALUE / type.byteSize() ? -1 : n * type.byteSize();
        if (expected < 0) {
            throw InferenceException.invalid("%s has shape %s, whose byte size is more than 2^63", label(),
                    TensorDataReader.compact(shape));
        }
        if (actual != expected) {
            throw ErrorTexts.byteSizeMismatch(requestId, name, model, expected, actual);
        }
    }
}
