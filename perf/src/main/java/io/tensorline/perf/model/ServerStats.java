package io.tensorline.perf.model;

/**
 * A model's cumulative inference statistics (the statistics extension), or the difference of two snapshots.
 * Durations are in nanoseconds; each has its own count as the protocol reports it.
 */
public record ServerStats(long inferenceCount, long executionCount,
                          long successCount, long successNs,
                          long queueCount, long queueNs,
                          long computeInputCount, long computeInputNs,
                          long computeInferCount, long computeInferNs,
                          long computeOutputCount, long computeOutputNs) {

    public static final ServerStats ZERO = new ServerStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** This snapshot minus an earlier one. */
    public ServerStats minus(ServerStats earlier) {
        return new ServerStats(
                inferenceCount - earlier.inferenceCount, executionCount - earlier.executionCount,
                successCount - earlier.successCount, successNs - earlier.successNs,
                queueCount - earlier.queueCount, queueNs - earlier.queueNs,
                computeInputCount - earlier.computeInputCount, computeInputNs - earlier.computeInputNs,
                computeInferCount - earlier.computeInferCount, computeInferNs - earlier.computeInferNs,
                computeOutputCount - earlier.computeOutputCount, computeOutputNs - earlier.computeOutputNs);
    }

    public ServerStats plus(ServerStats other) {
        return new ServerStats(
                inferenceCount + other.inferenceCount, executionCount + other.executionCount,
                successCount + other.successCount, successNs + other.successNs,
                queueCount + other.queueCount, queueNs + other.queueNs,
                computeInputCount + other.computeInputCount, computeInputNs + other.computeInputNs,
                computeInferCount + other.computeInferCount, computeInferNs + other.computeInferNs,
                computeOutputCount + other.computeOutputCount, computeOutputNs + other.computeOutputNs);
    }

    public long avgQueueNs() {
        return avg(queueNs, queueCount);
    }

    public long avgComputeInputNs() {
        return avg(computeInputNs, computeInputCount);
    }

    public long avgComputeInferNs() {
        return avg(computeInferNs, computeInferCount);
    }

    public long avgComputeOutputNs() {
        return avg(computeOutputNs, computeOutputCount);
    }

    /** Average compute time per request, as perf_analyzer: all three compute phases over the compute count. */
    public long avgComputeNs() {
        return avg(computeInputNs + computeInferNs + computeOutputNs, computeInputCount);
    }

    /** Average request time at the server (from arrival to response). */
    public long avgRequestNs() {
        return avg(successNs, successCount);
    }

    /** Server time not spent queued or computing: request handling, batching bookkeeping, response writing. */
    public long avgOverheadNs() {
        return Math.max(0, avgRequestNs() - avgQueueNs() - avgComputeNs());
    }

    private static long avg(long ns, long count) {
        return count > 0 ? ns / count : 0;
    }
}
