package io.tensorline.server.core;

import io.tensorline.engine.Tensor;
import io.tensorline.server.trace.RequestTrace;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A decoded inference request, independent of the transport it came from.
 *
 * @param modelName        the model to run
 * @param modelVersion     the version as sent; empty means the version policy decides
 * @param id               the client's request id, echoed back (may be empty)
 * @param parameters       request parameters; values are Boolean, Long, Double or String
 * @param inputs           input tensors, in the order sent
 * @param requestedOutputs names of the outputs to return; empty means every output
 * @param arrivalNanos     when the transport received it, on the server's nanosecond clock
 * @param trace            the request's trace when it is sampled, else null (set by {@code InferenceServer})
 */
public record InferenceRequest(String modelName, String modelVersion, String id, Map<String, Object> parameters,
                               List<Tensor> inputs, List<String> requestedOutputs, long arrivalNanos,
                               RequestTrace trace) {

    /** An untraced request. */
    public InferenceRequest(String modelName, String modelVersion, String id, Map<String, Object> parameters,
                            List<Tensor> inputs, List<String> requestedOutputs, long arrivalNanos) {
        this(modelName, modelVersion, id, parameters, inputs, requestedOutputs, arrivalNanos, null);
    }

    public InferenceRequest {
        Objects.requireNonNull(modelName, "modelName");
        modelVersion = modelVersion == null ? "" : modelVersion;
        id = id == null ? "" : id;
        parameters = parameters == null ? Map.of() : parameters;
        Objects.requireNonNull(inputs, "inputs");
        requestedOutputs = requestedOutputs == null ? List.of() : requestedOutputs;
    }

    /** A request parameter as a long, or {@code fallback} when absent or not a whole number. */
    public long longParameter(String key, long fallback) {
        Object v = parameters.get(key);
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer i) {
            return i;
        }
        return fallback;
    }

    /** The same request with other inputs (used once validation has shaped them for the engine). */
    public InferenceRequest withInputs(List<Tensor> newInputs) {
        return new InferenceRequest(modelName, modelVersion, id, parameters, newInputs, requestedOutputs,
                arrivalNanos, trace);
    }

    /** The same request, traced by {@code t}. */
    public InferenceRequest withTrace(RequestTrace t) {
        return new InferenceRequest(modelName, modelVersion, id, parameters, inputs, requestedOutputs, arrivalNanos, t);
    }
}
