package io.tensorline.server.http;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.SharedMemoryParameters;
import io.tensorline.server.shm.SharedMemoryUse;

import java.util.Map;

/** The meaning-changing parameters of a requested output over HTTP: shared memory and {@code classification}. */
final class OutputParameters {

    private OutputParameters() {
    }

    /**
     * Checks an output's parameters, binds it to its region in {@code shm} when it names one, and records its class
     * count in {@code classification} when it asks.
     *
     * @param shm the request's regions, or null when none may be named
     */
    static void check(String output, Map<String, Object> params, Object binary,
                      Map<String, Integer> classification, SharedMemoryUse shm) {
        Object classes = params.get("classification");
        if (params.containsKey(SharedMemoryParameters.REGION)) {
            if (classes != null) {
                throw InferenceException.invalid("Output can't set both 'shared_memory_region' and 'classification'");
            }
            if (binary != null) {
                throw InferenceException.invalid("Output can't set both 'shared_memory_region' and 'binary_data'");
            }
        }
        SharedMemoryParameters.Reference ref = SharedMemoryParameters.parse(output, params, false);
        if (ref != null) {
            if (shm == null) {
                throw InferenceException.notFound("Unable to find shared memory region: '%s'", ref.region());
            }
            shm.output(ref);
        }
        if (classes == null) {
            return;
        }
        if (!(classes instanceof Long k) || k < 0) {
            throw InferenceException.invalid("output '%s' has parameters.classification %s (expected: an unsigned "
                    + "integer, the number of classes to return; 0 for none)", output, classes);
        }
        if (k > 0) {
            classification.put(output, (int) Math.min(k, Integer.MAX_VALUE));
        }
    }
}
