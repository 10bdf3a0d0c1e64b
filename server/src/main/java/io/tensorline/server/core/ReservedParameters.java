package io.tensorline.server.core;

import java.util.Map;

/** Request parameter keys Triton keeps for itself: refused, never passed on or dropped. */
public final class ReservedParameters {

    private ReservedParameters() {
    }

    /**
     * Refuses reserved request parameter keys: every {@code triton_} key over HTTP; over gRPC all but
     * {@code triton_enable_empty_final_response}, which must be a bool (and changes nothing here, where no model is
     * decoupled).
     */
    public static void refuse(Map<String, Object> requestParams, boolean grpc) {
        for (Map.Entry<String, Object> e : requestParams.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("triton_")) {
                continue;
            }
            if (grpc && key.equals("triton_enable_empty_final_response")) {
                if (!(e.getValue() instanceof Boolean)) {
                    throw InferenceException.invalid("invalid value type for '%s' parameter, expected bool_param.",
                            key);
                }
                continue;
            }
            throw InferenceException.invalid("parameter key '%s' is reserved for Triton usage (keys starting "
                    + "'triton_' are Triton's own and none of them is accepted here%s)", key,
                    grpc ? " but 'triton_enable_empty_final_response'" : "");
        }
    }
}
