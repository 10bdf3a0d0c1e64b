package io.tensorline.server.core;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a request against a model before anything runs: names, datatypes, shapes, batch size and data sizes.
 * Returns the inputs shaped for the engine (config {@code reshape} applied). Stateless and thread-safe.
 */
public final class RequestValidator {

    /** Config parameter that lets a model take tensors with a dimension of 0 (Tensorline's own). */
    public static final String ALLOW_EMPTY_TENSORS = "allow_empty_tensors";

    private RequestValidator() {
    }

    /** The outcome: engine-ready inputs (in the model's input order) and the request's batch size. */
    public record Validated(List<Tensor> engineInputs, int batchSize) {
    }

    /** Validates under the default {@link RequestLimits}. */
    public static Validated validate(ModelSpec spec, InferenceRequest request) {
        return validate(spec, request, RequestLimits.defaults());
    }

    public static Validated validate(ModelSpec spec, InferenceRequest request, RequestLimits limits) {
        List<Tensor> given = request.inputs();
        Tensor[] byPosition = new Tensor[spec.inputs().size()];
        for (Tensor t : given) {
            int index = indexOf(spec.inputs(), t.name());
            if (index < 0) {
                throw InferenceException.invalid("unexpected inference input '%s' for model '%s' (expected one of: %s)",
                        t.name(), spec.name(), names(spec.inputs()));
            }
            if (byPosition[index] != null) {
                throw InferenceException.invalid("input '%s' for model '%s' is given more than once",
                        t.name(), spec.name());
            }
            byPosition[index] = t;
        }
        int batch = -1;
        List<Tensor> out = new ArrayList<>(given.size());
        for (int i = 0; i < byPosition.length; i++) {
            IoSpec io = spec.inputs().get(i);
            Tensor t = byPosition[i];
            if (t == null) {
                if (io.optional()) {
                    continue;
                }
                throw InferenceException.invalid("expected %d inputs but got %d inputs for model '%s': missing input '%s'",
                        spec.inputs().size(), given.size(), spec.name(), io.name());
            }
            if (t.dataType() != io.dataType()) {
                throw ErrorTexts.wrongDataType(request.id(), t.name(), spec.name(), t.dataType(), io.dataType());
            }
            long[] shape = t.shape();
            long[] apiShape = io.fullShape(spec.maxBatchSize());
            if (!Shapes.matches(apiShape, shape) || negative(shape)) {
                throw ErrorTexts.wrongShape(request.id(), t.name(), spec.name(), apiShape, shape, spec.batches());
            }
            if (spec.batches()) {
                long b = shape[0];
                if (b > spec.maxBatchSize()) {
                    throw ErrorTexts.batchTooLarge(request.id(), spec.name(), spec.maxBatchSize(), b);
                }
                if (b < 1) {
                    throw InferenceException.invalid(
                            "input '%s' for model '%s' has batch size %d (expected: 1 to max_batch_size %d)",
                            t.name(), spec.name(), b, spec.maxBatchSize());
                }
                if (batch >= 0 && b != batch) {
                    throw InferenceException.invalid(
                            "input '%s' for model '%s' has batch size %d but other inputs have %d (expected: the same first dimension for all inputs)",
                            t.name(), spec.name(), b, batch);
                }
                batch = (int) b;
            }
            checkNotEmpty(spec, t);
            checkDataSize(spec, t, limits, request.id());
            out.add(io.reshape() == null ? t : reshaped(spec, io, t));
        }
        return new Validated(out, spec.batches() ? Math.max(batch, 1) : 1);
    }

    /** Checks that requested output names exist. */
    public static void validateOutputs(ModelSpec spec, List<String> requested) {
        for (String name : requested) {
            if (spec.output(name) == null) {
                throw InferenceException.invalid("unexpected inference output '%s' for model '%s' (expected one of: %s)",
                        name, spec.name(), names(spec.outputs()));
            }
        }
    }

    /**
     * A dimension of 0 makes an empty tensor, which not every engine survives (oneDNN inside TensorFlow divided by
     * zero on one), so a model takes them only when its config says so with {@link #ALLOW_EMPTY_TENSORS}.
     */
    private static void checkNotEmpty(ModelSpec spec, Tensor t) {
        if ("true".equalsIgnoreCase(spec.parameters().get(ALLOW_EMPTY_TENSORS))) {
            return;
        }
        for (long d : t.shape()) {
            if (d == 0) {
                throw InferenceException.invalid("input '%s' for model '%s' has shape %s, an empty tensor (expected: "
                        + "every dimension at least 1, or config parameter " + ALLOW_EMPTY_TENSORS + " \"true\")", t.name(), spec.name(), Shapes.toString(t.shape()));
            }
        }
    }

    private static void checkDataSize(ModelSpec spec, Tensor t, RequestLimits limits, String requestId) {
        long elements = TensorSizes.elementCount(t.name(), t.shape());
        // BYTES: at least a 4-byte length per element
        long needed = t.dataType().isFixedSize() ? TensorSizes.byteCount(t.name(), t.dataType(), t.shape())
                : elements > Long.MAX_VALUE / 4 ? Long.MAX_VALUE : Math.max(elements * 4, t.byteSize());
        if (needed > limits.maxTensorBytes()) {
            throw InferenceException.invalid("input '%s' for model '%s' has shape %s of %s, which needs %s bytes "
                    + "(expected: at most %d bytes per tensor, the server's --max-tensor-bytes)", t.name(),
                    spec.name(), Shapes.toString(t.shape()), t.dataType(),
                    needed == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : Long.toString(needed),
                    limits.maxTensorBytes());
        }
        if (t.dataType().isFixedSize()) {
            long expected = needed;
            if (expected != t.byteSize()) {
                throw ErrorTexts.byteSizeMismatch(requestId, t.name(), spec.name(), expected, t.byteSize());
            }
            return;
        }
        long found = countStrings(t.data());
        if (found != elements) {
            throw InferenceException.invalid(
                    "input '%s' for model '%s' holds %s (expected: %d length-prefixed BYTES elements for shape %s)",
                    t.name(), spec.name(), found < 0 ? "malformed BYTES data" : found + " elements", elements,
                    Shapes.toString(t.shape()));
        }
    }

    /** Counts 4-byte-length-prefixed elements, or returns -1 when the data does not split exactly. */
    public static long countStrings(ByteBuffer data) {
        long count = 0;
        int pos = data.position();
        int limit = data.limit();
        while (pos < limit) {
            if (limit - pos < 4) {
                return -1;
            }
            long len = Integer.toUnsignedLong(data.getInt(pos));
            pos += 4;
            if (len > limit - pos) {
                return -1;
            }
            pos += (int) len;
            count++;
        }
        return count;
    }

    private static Tensor reshaped(ModelSpec spec, IoSpec io, Tensor t) {
        long[] target = spec.batches() ? Shapes.prepend(t.shape()[0], io.reshape()) : io.reshape();
        return Tensor.of(t.name(), t.dataType(), target, t.data());
    }

    private static boolean negative(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(List<IoSpec> specs, String name) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> names(List<IoSpec> specs) {
        return specs.stream().map(IoSpec::name).toList();
    }
}
