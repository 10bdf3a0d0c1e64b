package io.tensorline.perf.input;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.model.TensorMeta;

import java.util.Arrays;

/**
 * Turns metadata shapes into request shapes. When {@code max_batch_size > 0} the metadata's leading -1 is the
 * batch dimension: it is skipped (as perf_analyzer does) and replaced by {@code -b}. Remaining -1 dimensions must be
 * given, by {@code --shape} or by the input data file's {@code shape}.
 */
public final class InputShapes {

    private InputShapes() {
    }

    /** The dimensions of one batch element: the metadata shape without the batch dimension. */
    public static long[] elementDims(TensorMeta meta, int maxBatchSize) {
        long[] shape = meta.shape();
        if (maxBatchSize > 0 && shape.length > 0 && shape[0] == -1) {
            return Arrays.copyOfRange(shape, 1, shape.length);
        }
        return shape;
    }

    /**
     * The element dimensions with every -1 filled in from {@code given} (null when nothing was given), checked
     * against the metadata: same rank, and fixed dimensions unchanged.
     */
    public static long[] resolve(TensorMeta meta, int maxBatchSize, long[] given, String givenBy) throws PerfException {
        long[] dims = elementDims(meta, maxBatchSize);
        if (given == null) {
            for (long d : dims) {
                if (d < 0) {
                    throw new PerfException("input '" + meta.name() + "' has variable dimensions " + Arrays.toString(dims)
                            + " (expected: --shape " + meta.name() + ":D1,D2,... with " + dims.length
                            + " dimensions" + (maxBatchSize > 0 ? ", without the batch dimension" : "")
                            + ", or a \"shape\" in --input-data)");
                }
            }
            return dims;
        }
        if (given.length != dims.length) {
            throw new PerfException(givenBy + " gives input '" + meta.name() + "' shape " + Arrays.toString(given)
                    + " of rank " + given.length + " (expected: rank " + dims.length + " to match the model's "
                    + Arrays.toString(dims) + (maxBatchSize > 0 ? ", batch dimension excluded)" : ")"));
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0 && dims[i] != given[i]) {
                throw new PerfException(givenBy + " gives input '" + meta.name() + "' shape " + Arrays.toString(given)
                        + " (expected: dimension " + i + " to be " + dims[i] + " as in the model's "
                        + Arrays.toString(dims) + ")");
            }
        }
        return given.clone();
    }

    /** The shape sent on the wire: the batch size in front when the model batches. */
    public static long[] requestShape(long[] elementDims, int maxBatchSize, int batch) {
        if (maxBatchSize <= 0) {
            return elementDims.clone();
        }
        long[] full = new long[elementDims.length + 1];
        full[0] = batch;
        System.arraycopy(elementDims, 0, full, 1, elementDims.length);
        return full;
    }

    public static long elementCount(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
