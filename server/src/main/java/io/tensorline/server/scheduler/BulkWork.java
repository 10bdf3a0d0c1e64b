package io.tensorline.server.scheduler;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;

import java.util.List;

/**
 * Work that one instance runs back to back as several executions and answers once: a list of requests
 * ({@link Bulk}) or one request cut into parts ({@link SplitBulk}). Schedulers queue it as one item.
 */
sealed interface BulkWork permits Bulk, SplitBulk {

    /** The parts as pending requests (a {@link SplitBulk} makes none). */
    List<PendingRequest> parts();

    int rows();

    /** Fails every part before it ran (rejected, unloading), counting each, then the whole. */
    void failAll(Completer completer, InferenceException error, FailureReason reason);
}
