package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * The part of a request's inputs that must agree for requests to share a batch: the names of the inputs present
 * and every dimension but the first (the batch dimension). Built on the submitting thread, compared on the
 * batcher thread; immutable.
 */
final class ShapeKey {

    private final String[] names;
    /** For each input: its rank minus one, then its non-batch dimensions. */
    private final long[] dims;
    private final int hash;

    private ShapeKey(String[] names, long[] dims) {
        this.names = names;
        this.dims = dims;
        this.hash = 31 * Arrays.hashCode(names) + Arrays.hashCode(dims);
    }

    static ShapeKey of(List<Tensor> inputs) {
        String[] names = new String[inputs.size()];
        int length = 0;
        for (Tensor t : inputs) {
            length += t.shape().length;
        }
        long[] dims = new long[length];
        int at = 0;
        for (int i = 0; i < names.length; i++) {
            Tensor t = inputs.get(i);
            names[i] = t.name();
            long[] shape = t.shape();
            dims[at++] = shape.length - 1;
            for (int d = 1; d < shape.length; d++) {
                dims[at++] = shape[d];
            }
        }
        return new ShapeKey(names, dims);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof ShapeKey k && hash == k.hash && Arrays.equals(dims, k.dims)
                && Arrays.equals(names, k.names);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Arrays.toString(names) + Arrays.toString(dims);
    }
}
