package io.tensorline.perf.input;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input tensor ready to send: its full shape (batch dimension included) and its raw bytes in the protocol's
 * layout (row-major, little-endian; BYTES elements as 4-byte length plus bytes).
 */
public record TensorData(String name, String datatype, long[] shape, byte[] raw) {

    public TensorData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        shape = shape.clone();
        Objects.requireNonNull(raw, "raw");
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The raw bytes, shared: callers must not modify them. */
    @Override
    public byte[] raw() {
        return raw;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + datatype + " " + Arrays.toString(shape) + " (" + raw.length + " bytes)";
    }
}
