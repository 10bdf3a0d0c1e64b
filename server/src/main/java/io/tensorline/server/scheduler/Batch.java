package io.tensorline.server.scheduler;

import java.util.List;

/**
 * Requests that run together in one engine execution on one instance. Built by the batcher thread, run by the
 * instance thread, and handed back to the batcher thread in the batch-done event.
 *
 * @param instance index of the instance that runs it
 * @param requests in the order their rows are laid out
 * @param rows     the sum of the requests' rows
 * @param bulk     null, or the bulk submission these requests are the parts of: then each part runs as an execution
 *                 of its own, back to back on this instance ({@link Bulk}, {@link SplitBulk})
 */
record Batch(int instance, List<PendingRequest> requests, int rows, BulkWork bulk) {

    Batch {
        requests = List.copyOf(requests);
    }

    Batch(int instance, List<PendingRequest> requests, int rows) {
        this(instance, requests, rows, null);
    }

    /** A bulk submission for one instance. */
    Batch(int instance, BulkWork bulk) {
        this(instance, bulk.parts(), bulk.rows(), bulk);
    }
}
