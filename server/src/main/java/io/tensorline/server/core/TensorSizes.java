package io.tensorline.server.core;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;

/**
 * Element and byte counts of a request's tensors, computed so that they never wrap: a shape whose count does not fit
 * 64 bits is refused with INVALID_ARGUMENT naming the input and its shape. A wrapped count once let a tensor of
 * 2^62 elements pass as 0 bytes and reach an engine, which aborted the process.
 */
public final class TensorSizes {

    private TensorSizes() {
    }

    /** The element count of a concrete shape (no negative dimensions). */
    public static long elementCount(String input, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw InferenceException.invalid("input '%s' has shape %s (expected: no negative dimensions)", input,
                        Shapes.toString(shape));
            }
            if (d != 0 && n > Long.MAX_VALUE / d) {
                throw InferenceException.invalid("input '%s' has shape %s, whose element count overflows 64 bits "
                        + "(expected: at most %d elements)", input, Shapes.toString(shape), Long.MAX_VALUE);
            }
            n *= d;
        }
        return n;
    }

    /** The byte count of a fixed-size datatype's tensor of that shape. */
    public static long byteCount(String input, DataType type, long[] shape) {
        if (!type.isFixedSize()) {
            throw new IllegalArgumentException(type + " has no fixed element size");
        }
        long elements = elementCount(input, shape);
        int size = type.byteSize();
        if (elements > Long.MAX_VALUE / size) {
            throw InferenceException.invalid("input '%s' has shape %s of %s, whose byte count overflows 64 bits "
                    + "(expected: at most %d bytes)", input, Shapes.toString(shape), type, Long.MAX_VALUE);
        }
        return elements * size;
    }
}
