package io.tensorline.server.scheduler;

import java.util.List;

/**
 * Requests that run together in one engine execution on one instance. Built by the batcher thread, run by the
 * instance thread, and handed back to the batcher thread in the batch-done event.
 *
 * @param instance index of the instance that runs it
 * @param requests in the order their rows are laid out
 * @param rows     the sum of the requests' rows
 */
record Batch(int instance, List<PendingRequest> requests, int rows) {

    Batch {
        requests = List.copyOf(requests);
    }
}
