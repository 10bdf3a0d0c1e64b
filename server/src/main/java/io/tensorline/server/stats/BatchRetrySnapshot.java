package io.tensorline.server.stats;

/**
 * What retrying failed batches in halves did (Tensorline's own, beyond Triton): when an engine fails a batch of
 * several requests, the batch is split so that only the requests that fail on their own get the error.
 *
 * @param batches    failed batches of two or more requests that were retried in parts
 * @param executions the extra engine executions those retries cost
 * @param rescued    requests answered with outputs although the batch they first ran in failed
 * @param isolated   requests that failed again in a smaller part and got the engine's error
 */
public record BatchRetrySnapshot(long batches, long executions, long rescued, long isolated) {

    public static final BatchRetrySnapshot NONE = new BatchRetrySnapshot(0, 0, 0, 0);
}
