package io.tensorline.server.shm;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

import java.util.List;

/**
 * The system and CUDA shared memory management calls as Triton answers them with {@code --allow-client-shm=false}
 * (its default, and the only setting this server offers): status lists no regions, register and unregister are
 * refused with Triton's text. Tensors that name a region are refused by
 * {@link io.tensorline.server.core.SharedMemoryParameters}. Stateless.
 */
public final class SharedMemoryEndpoints {

    /** Triton's refusal while client shared memory is disabled. */
    public static final String DISABLED = "Client shared memory is disabled. Start the server with "
            + "'--allow-client-shm=true' to enable.";

    private SharedMemoryEndpoints() {
    }

    /** The kind of shared memory a call is about, as Triton names it in its texts. */
    public enum Kind {
        SYSTEM("system"), CUDA("cuda");

        private final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /**
     * The registered regions: none. A named region is not found.
     *
     * @return an empty list (a region's status has no fields this server could fill)
     */
    public static List<Object> status(Kind kind, String name) {
        if (!name.isEmpty()) {
            throw InferenceException.notFound("Unable to find %s shared memory region: '%s'", kind.word, name);
        }
        return List.of();
    }

    /** Register and unregister, system and CUDA alike. */
    public static InferenceException disabled() {
        return new InferenceException(ErrorCode.UNSUPPORTED, DISABLED + " (this server does not offer client shared "
                + "memory yet: send tensor data in the request)");
    }
}
