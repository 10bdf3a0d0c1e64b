package io.tensorline.server.grpc;

import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.ReservedParameters;
import io.tensorline.server.core.SharedMemoryParameters;
import io.tensorline.server.shm.SharedMemoryUse;

import java.util.HashMap;
import java.util.Map;

/**
 * The parameters of a {@link ModelInferRequest} that change what the request means: reserved request keys,
 * shared memory on inputs (checked here, read by the codec) and outputs (bound to their regions here), and
 * {@code classification} on outputs (returned for the core to apply). Nothing that changes meaning is dropped.
 */
final class GrpcTensorParameters {

    private GrpcTensorParameters() {
    }

    /**
     * Checks the request, binds outputs that name a region in {@code shm}, and returns output name to class count
     * for the outputs that ask for classification.
     */
    static Map<String, Integer> check(ModelInferRequest request, SharedMemoryUse shm) {
        ReservedParameters.refuse(values(request.getParametersMap()), true);
        for (ModelInferRequest.InferInputTensor in : request.getInputsList()) {
            Map<String, Object> params = values(in.getParametersMap());
            if (params.containsKey(SharedMemoryParameters.REGION) && in.hasContents()) {
                throw InferenceException.invalid("unexpected 'content' provided when using shared memory for input "
                        + "tensor '%s' for model '%s'", in.getName(), request.getModelName());
            }
            SharedMemoryParameters.parse(in.getName(), params, true);
        }
        Map<String, Integer> classification = Map.of();
        for (ModelInferRequest.InferRequestedOutputTensor out : request.getOutputsList()) {
            Map<String, InferParameter> raw = out.getParametersMap();
            InferParameter classes = raw.get("classification");
            if (classes != null && raw.containsKey(SharedMemoryParameters.REGION)) {
                throw InferenceException.invalid("output can't set both 'shared_memory_region' and 'classification'");
            }
            SharedMemoryParameters.Reference ref = SharedMemoryParameters.parse(out.getName(), values(raw), true);
            if (ref != null) {
                shm.output(ref);
            }
            if (classes != null) {
                if (classes.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM) {
                    throw InferenceException.invalid("invalid value type for 'classification' parameter, expected "
                            + "int64_param");
                }
                long k = classes.getInt64Param();
                if (k <= 0) {
                    throw InferenceException.invalid("invalid value for 'classification' parameter, expected >= 0 "
                            + "(output '%s' asks for %d classes; expected: 1 or more)", out.getName(), k);
                }
                if (classification.isEmpty()) {
                    classification = new HashMap<>();
                }
                classification.put(out.getName(), (int) Math.min(k, Integer.MAX_VALUE));
            }
        }
        return classification;
    }

    /** Parameter values as the core sees them: Boolean, Long, Double or String; other choices as their proto. */
    static Map<String, Object> values(Map<String, InferParameter> params) {
        if (params.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new HashMap<>(params.size() * 2);
        params.forEach((k, v) -> out.put(k, switch (v.getParameterChoiceCase()) {
            case BOOL_PARAM -> v.getBoolParam();
            case INT64_PARAM -> v.getInt64Param();
            case STRING_PARAM -> v.getStringParam();
            case DOUBLE_PARAM -> v.getDoubleParam();
            case UINT64_PARAM -> v.getUint64Param();
            default -> v;
        }));
        return out;
    }
}
