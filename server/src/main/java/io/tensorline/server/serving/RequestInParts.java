package io.tensorline.server.serving;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.RequestValidator;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The checks of a request to be run in parts ({@link InferenceServer#inferInParts}), done once for the whole
 * request rather than per part: its first part is validated as a request of its own (so its errors read as any
 * request's), and the other parts, which differ from it only in their rows, by size. Fixed-size datatypes only,
 * so that every row of an input has the same bytes.
 *
 * @param engineInputs the request's inputs shaped for the engine (model order, reshaped as configured), all rows
 * @param rows         the rows of every input
 */
record RequestInParts(List<Tensor> engineInputs, int rows) {

    /**
     * @param validate validates a request of at most {@code max_batch_size} rows as the server does
     * @throws InferenceException INVALID_ARGUMENT, in the words of the first check that fails
     */
    static RequestInParts check(ModelSpec spec, InferenceRequest request, int partRows,
                                Function<InferenceRequest, RequestValidator.Validated> validate) {
        if (!spec.batches()) {
            throw InferenceException.invalid("model '%s' does not batch (max_batch_size 0): a request in parts is cut "
                    + "along the batch dimension", spec.name());
        }
        if (partRows < 1 || partRows > spec.maxBatchSize()) {
            throw InferenceException.invalid("%d rows per part for model '%s' (expected: 1 to max_batch_size %d)",
                    partRows, spec.name(), spec.maxBatchSize());
        }
        for (IoSpec io : spec.outputs()) {
            if (!io.dataType().isFixedSize()) {
                throw InferenceException.invalid("model '%s' output '%s' is %s: a request in parts needs fixed-size "
                        + "outputs (send the parts as a bulk instead)", spec.name(), io.name(), io.dataType());
            }
        }
        List<Tensor> given = request.inputs();
        long rows = -1;
        for (Tensor t : given) {
            if (!t.dataType().isFixedSize()) {
                throw InferenceException.invalid("input '%s' for model '%s' is %s: a request in parts needs fixed-size "
                        + "inputs (send the parts as a bulk instead)", t.name(), spec.name(), t.dataType());
            }
            if (t.shape().length == 0 || t.shape()[0] < 1 || rows >= 0 && t.shape()[0] != rows) {
                validate.apply(request); // the words a request of these shapes gets, when they say what is wrong
                throw InferenceException.invalid("input '%s' for model '%s' has shape %s (expected: at least one row, "
                        + "and the same first dimension as the other inputs)", t.name(), spec.name(),
                        java.util.Arrays.toString(t.shape()));
            }
            rows = t.shape()[0];
        }
        if (rows < 0) {
            validate.apply(request); // no inputs: the validator names the missing one
            throw InferenceException.invalid("model '%s' got no inputs", spec.name());
        }
        if (rows > Integer.MAX_VALUE) {
            throw InferenceException.invalid("model '%s' got %d rows in one request (expected: at most %d)",
                    spec.name(), rows, Integer.MAX_VALUE);
        }
        int first = (int) Math.min(partRows, rows);
        List<Tensor> firstPart = new ArrayList<>(given.size());
        int[] rowBytes = new int[given.size()];
        for (int i = 0; i < given.size(); i++) {
            Tensor t = given.get(i);
            long perRow = t.dataType().byteSize();
            for (int d = 1; d < t.shape().length; d++) {
                long dim = t.shape()[d];
                if (dim < 0 || perRow > 0 && dim > Integer.MAX_VALUE / perRow) {
                    validate.apply(request);
                    throw InferenceException.invalid("input '%s' for model '%s' has shape %s (expected: rows of at "
                            + "most %d bytes)", t.name(), spec.name(), java.util.Arrays.toString(t.shape()),
                            Integer.MAX_VALUE);
                }
                perRow *= dim;
            }
            if (perRow * rows != t.byteSize()) {
                throw ErrorTexts.byteSizeMismatch(request.id(), t.name(), spec.name(), perRow * rows, t.byteSize());
            }
            rowBytes[i] = (int) perRow;
            long[] shape = t.shape().clone();
            shape[0] = first;
            firstPart.add(Tensor.of(t.name(), t.dataType(), shape, t.data().limit(first * rowBytes[i])));
        }
        RequestValidator.Validated v = validate.apply(request.withInputs(firstPart));
        List<Tensor> whole = new ArrayList<>(v.engineInputs().size());
        for (Tensor e : v.engineInputs()) {
            Tensor t = find(given, e.name());
            long[] shape = e.shape().clone();
            shape[0] = rows;
            whole.add(Tensor.of(e.name(), e.dataType(), shape, t.data()));
        }
        return new RequestInParts(whole, (int) rows);
    }

    private static Tensor find(List<Tensor> given, String name) {
        for (Tensor t : given) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw InferenceException.internal("input '%s' vanished in validation", name);
    }
}
