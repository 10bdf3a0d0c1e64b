package io.tensorline.engine;

import java.util.Arrays;

/** Small helpers for shapes given as {@code long[]}; {@code -1} marks a variable dimension. */
public final class Shapes {

    private Shapes() {
    }

    /** Number of elements of a concrete shape (1 for a scalar); throws if a dimension is negative. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + toString(shape) + " is not concrete");
            }
            if (d != 0 && n > Long.MAX_VALUE / d) {
                throw new IllegalArgumentException("shape " + toString(shape) + " has more than " + Long.MAX_VALUE
                        + " elements");
            }
            n *= d;
        }
        return n;
    }

    /** True when {@code actual} has the rank of {@code pattern} and agrees wherever the pattern is not -1. */
    public static boolean matches(long[] pattern, long[] actual) {
        if (pattern.length != actual.length) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i] != -1 && pattern[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    public static long[] prepend(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    public static long[] dropFirst(long[] shape) {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    public static String toString(long[] shape) {
        return Arrays.toString(shape);
    }
}
