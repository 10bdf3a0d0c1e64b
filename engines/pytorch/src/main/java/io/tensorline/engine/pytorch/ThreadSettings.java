package io.tensorline.engine.pytorch;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;

/**
 * How many threads an instance asks libtorch for, read once from a load request. The parameter names are those of
 * Triton's pytorch backend; 0 leaves libtorch's own setting alone. See {@link TorchThreads} for how far each
 * setting reaches.
 *
 * @param intraOpThreads threads one operator may use
 * @param interOpThreads threads of libtorch's pool for TorchScript's {@code fork}
 */
record ThreadSettings(int intraOpThreads, int interOpThreads) {

    static final String INTRA_OP_THREADS = "INTRA_OP_THREAD_COUNT";
    static final String INTER_OP_THREADS = "INTER_OP_THREAD_COUNT";

    /**
     * By default the cores are shared out between the model's instances, so several instances do not oversubscribe
     * them, and the inter-op pool keeps libtorch's size.
     */
    static ThreadSettings from(LoadRequest request, int availableProcessors) throws EngineException {
        int intra = request.threadCountParameter(INTRA_OP_THREADS, Math.max(1, availableProcessors / request.instanceCount()));
        int inter = request.threadCountParameter(INTER_OP_THREADS, 0);
        return new ThreadSettings(intra, inter);
    }

}
