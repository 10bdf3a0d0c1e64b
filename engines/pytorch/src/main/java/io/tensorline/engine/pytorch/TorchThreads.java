package io.tensorline.engine.pytorch;

import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link ThreadSettings} to libtorch, whose thread knobs are not per model. One per provider.
 *
 * <ul>
 *   <li>Intra-op: {@code at::set_num_threads} sets OpenMP's thread count for the calling thread only (plus a
 *   process-wide default that threads adopt when they run their first operator). So each instance applies its own
 *   count on the thread that runs it, before its first {@code forward} and again whenever that thread last ran with
 *   another count: every model keeps its own setting, and no model's load changes another's.</li>
 *   <li>Inter-op: one process-wide pool, which libtorch lets be sized once, before it is first used. The first
 *   model that asks for a size gets it; a later, different request is logged and ignored.</li>
 * </ul>
 */
final class TorchThreads {

    private static final Logger logger = LoggerFactory.getLogger(TorchThreads.class);

    /** Per thread: the intra-op count last applied on it, 0 when none was. */
    private final ThreadLocal<int[]> appliedIntraOp = ThreadLocal.withInitial(() -> new int[1]);
    private final Object interOpLock = new Object();
    /** The inter-op size this provider set, 0 until a model asks for one. */
    private int interOpThreads; // guarded by interOpLock

    /** Cheap when nothing changes: one thread-local read. */
    void applyIntraOp(int threads) {
        if (threads == 0) {
            return;
        }
        int[] applied = appliedIntraOp.get();
        if (applied[0] != threads) {
            // Reading first runs libtorch's lazy per-thread set-up, which would otherwise reset the count from the
            // process-wide default at this thread's first operator.
            JniUtils.getNumThreads();
            JniUtils.setNumThreads(threads);
            applied[0] = threads;
        }
    }

    void applyInterOp(int threads, String model) {
        if (threads == 0) {
            return;
        }
        synchronized (interOpLock) {
            if (interOpThreads == threads) {
                return;
            }
            if (interOpThreads != 0) {
                logger.warn("{}: {}={} ignored: libtorch's inter-op pool is process-wide and already has {} threads",
                        model, ThreadSettings.INTER_OP_THREADS, threads, interOpThreads);
                return;
            }
            try {
                JniUtils.setNumInteropThreads(threads);
                interOpThreads = threads;
            } catch (RuntimeException e) {
                logger.warn("{}: {}={} ignored: libtorch refused it ({}); the pool keeps {} threads", model,
                        ThreadSettings.INTER_OP_THREADS, threads, e.getMessage(), JniUtils.getNumInteropThreads());
            }
        }
    }
}
