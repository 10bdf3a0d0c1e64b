package io.tensorline.server.shm;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

/**
 * The answers both transports share for the shared memory management calls that do not reach the registry: the
 * refusal while client shared memory is disabled, and CUDA shared memory on this server, which has no GPU support
 * (Triton built without GPUs answers the same way). Stateless.
 */
public final class SharedMemoryEndpoints {

    /** Triton's refusal of register and unregister (system and CUDA) while client shared memory is disabled. */
    public static final String DISABLED = "Client shared memory is disabled. Start the server with "
            + "'--allow-client-shm=true' to enable.";

    private SharedMemoryEndpoints() {
    }

    /** Register and unregister, system and CUDA alike, with {@code --allow-client-shm=false}. */
    public static InferenceException disabled() {
        return new InferenceException(ErrorCode.UNSUPPORTED, DISABLED);
    }

    /** CUDA status: no region is ever registered; a named one is not found. */
    public static void cudaStatus(String name) {
        if (!name.isEmpty()) {
            throw InferenceException.notFound("Unable to find cuda shared memory region: '%s'", name);
        }
    }

    /** CUDA register: Triton's answer without GPU support (or the disabled text). */
    public static InferenceException cudaRegister(SharedMemoryRegistry registry, String name) {
        if (!registry.clientAllowed()) {
            return disabled();
        }
        return InferenceException.invalid("failed to register CUDA shared memory region: '%s', GPUs not supported",
                name);
    }

    /** CUDA unregister: nothing is registered, so it succeeds as Triton's does for unknown names (or is disabled). */
    public static void cudaUnregister(SharedMemoryRegistry registry) {
        if (!registry.clientAllowed()) {
            throw disabled();
        }
    }
}
