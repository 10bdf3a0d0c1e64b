package io.tensorline.server.core;

import java.util.Map;

/**
 * The shared-memory parameters of an input or requested output ({@code shared_memory_region},
 * {@code shared_memory_offset}, {@code shared_memory_byte_size}), read and checked in Triton's words. What a
 * well-formed reference then reads or writes is the shared memory registry's business
 * ({@code io.tensorline.server.shm}); a reference is never dropped and never answered inline.
 */
public final class SharedMemoryParameters {

    public static final String REGION = "shared_memory_region";
    public static final String OFFSET = "shared_memory_offset";
    public static final String BYTE_SIZE = "shared_memory_byte_size";

    /**
     * A tensor's place in a registered region.
     *
     * @param tensor   the input or output it belongs to
     * @param offset   from the start of the registered region (not of the shared memory object); Triton's values
     *                 are unsigned, so a negative one here stands for one beyond {@code Long.MAX_VALUE}
     * @param byteSize as above; 0 when HTTP leaves it out
     */
    public record Reference(String tensor, String region, long offset, long byteSize) {
    }

    private SharedMemoryParameters() {
    }

    /** Whether any of the three keys is present. */
    public static boolean named(Map<String, Object> params) {
        return params.containsKey(REGION) || params.containsKey(OFFSET) || params.containsKey(BYTE_SIZE);
    }

    /**
     * The tensor's shared memory reference, or null when none of the keys is present.
     *
     * @param sizeRequired gRPC requires {@code shared_memory_byte_size} with a region; HTTP does not (0 then)
     * @throws InferenceException INVALID_ARGUMENT, in Triton's words, for wrong value types, an offset or size
     *         without a region, or (gRPC) a region without a size
     */
    public static Reference parse(String tensor, Map<String, Object> params, boolean sizeRequired) {
        if (!named(params)) {
            return null;
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
        Object offset = params.get(OFFSET);
        Object size = params.get(BYTE_SIZE);
        return new Reference(tensor, (String) region, offset == null ? 0 : (Long) offset,
                size == null ? 0 : (Long) size);
    }
}
