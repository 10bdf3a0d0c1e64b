package io.tensorline.server.core;

import java.util.Map;

/**
 * The shared-memory parameters of an input or requested output ({@code shared_memory_region},
 * {@code shared_memory_offset}, {@code shared_memory_byte_size}), checked in Triton's words. This server registers
 * no regions (it does not offer {@code system_shared_memory}), so a well-formed reference is answered as Triton
 * answers a region it cannot find: never dropped, never answered inline.
 */
public final class SharedMemoryParameters {

    public static final String REGION = "shared_memory_region";
    public static final String OFFSET = "shared_memory_offset";
    public static final String BYTE_SIZE = "shared_memory_byte_size";

    private SharedMemoryParameters() {
    }

    /** Whether any of the three keys is present. */
    public static boolean named(Map<String, Object> params) {
        return params.containsKey(REGION) || params.containsKey(OFFSET) || params.containsKey(BYTE_SIZE);
    }

    /**
     * Refuses a tensor whose parameters name shared memory; does nothing when none of the keys is present.
     *
     * @param sizeRequired gRPC requires {@code shared_memory_byte_size} with a region; HTTP does not
     */
    public static void refuse(String tensor, Map<String, Object> params, boolean sizeRequired) {
        if (!named(params)) {
            return;
        }
        Object region = params.get(REGION);
        if (region != null && !(region instanceof String)) {
            throw InferenceException.invalid("invalid value type for '%s' parameter for tensor '%s', expected "
                    + "string_param.", REGION, tensor);
        }
        for (String key : new String[] {OFFSET, BYTE_SIZE}) {
            Object v = params.get(key);
            if (v != null && !(v instanceof Long)) {
                throw InferenceException.invalid("invalid value type for '%s' parameter for tensor '%s', expected "
                        + "int64_param.", key, tensor);
            }
        }
        if (region == null) {
            throw InferenceException.invalid("'%s' can not be specified without '%s' parameter for tensor '%s'",
                    params.containsKey(OFFSET) ? OFFSET : BYTE_SIZE, REGION, tensor);
        }
        if (sizeRequired && !params.containsKey(BYTE_SIZE)) {
            throw InferenceException.invalid("'%s' must be specified along with '%s' parameter for tensor '%s'",
                    BYTE_SIZE, REGION, tensor);
        }
        throw InferenceException.notFound("Unable to find shared memory region: '%s' (no region is registered: this "
                + "server does not offer the system_shared_memory extension; send the data in the request)", region);
    }
}
