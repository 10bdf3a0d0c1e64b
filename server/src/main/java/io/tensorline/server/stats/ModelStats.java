package io.tensorline.server.stats;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The statistics of one model version, recorded by its scheduler and read by the transports through
 * {@link #snapshot()}. Lock-free: every counter is a {@link LongAdder} or an atomic, so instance threads, the
 * batcher thread and transport threads record and read concurrently without contention on one lock.
 *
 * <p>Durations follow Triton: {@code success}/{@code failure} run from arrival to answer, {@code queue} from arrival
 * to the start of the execution that ran the request, and each request of a batch is charged the whole batch's
 * compute durations (so {@code computeInfer.count} counts requests, while {@link #recordExecution} also counts
 * the batch once in {@code executionCount} and in the batch statistics of its size).
 */
public final class ModelStats {

    private final String name;
    private final long version;
    private final LongSupplier wallClockMillis;

    private final DurationCounter success = new DurationCounter();
    private final Map<FailureReason, DurationCounter> failures = new EnumMap<>(FailureReason.class);
    private final DurationCounter queue = new DurationCounter();
    private final DurationCounter computeInput = new DurationCounter();
    private final DurationCounter computeInfer = new DurationCounter();
    private final DurationCounter computeOutput = new DurationCounter();
    private final LongAdder inferenceCount = new LongAdder();
    private final LongAdder executionCount = new LongAdder();
    private final AtomicLong lastInferenceMillis = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final ConcurrentHashMap<Integer, BatchCounters> batches = new ConcurrentHashMap<>();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LongAdder retriedBatches = new LongAdder();
    private final LongAdder retryExecutions = new LongAdder();
    private final LongAdder rescued = new LongAdder();
    private final LongAdder isolated = new LongAdder();
    private final DurationCounter cacheHit = new DurationCounter();
    private final DurationCounter cacheMiss = new DurationCounter();
    private volatile boolean cacheEnabled;
    private final LatencySummaries.Version summaries;
    /** How long the last load of this version took, or -1 before one finished. */
    private volatile long loadNanos = -1;

    private static final class BatchCounters {
        final DurationCounter input = new DurationCounter();
        final DurationCounter infer = new DurationCounter();
        final DurationCounter output = new DurationCounter();
    }

    public ModelStats(String name, long version) {
        this(name, version, System::currentTimeMillis);
    }

    /** @param wallClockMillis the clock of {@code last_inference}, in ms since the epoch */
    public ModelStats(String name, long version, LongSupplier wallClockMillis) {
        this(name, version, wallClockMillis, LatencySummaries.NONE.open(name, version));
    }

    /** @param summaries where each observation also goes (Triton's latency summaries) */
    public ModelStats(String name, long version, LongSupplier wallClockMillis, LatencySummaries.Version summaries) {
        this.name = Objects.requireNonNull(name, "name");
        this.version = version;
        this.wallClockMillis = Objects.requireNonNull(wallClockMillis, "wallClockMillis");
        this.summaries = Objects.requireNonNull(summaries, "summaries");
        for (FailureReason reason : FailureReason.values()) {
            failures.put(reason, new DurationCounter());
        }
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    /** A request was answered with outputs {@code nanos} after it arrived. */
    public void recordSuccess(long nanos) {
        success.record(nanos);
        latency.observe(nanos);
        if (!cacheEnabled) { // Triton leaves the request summary out for cached models: it would mix hits in
            summaries.request(nanos);
        }
    }

    /** {@code count} requests were answered with outputs, each {@code nanos} after it arrived (a bulk's parts). */
    public void recordSuccesses(long count, long nanos) {
        if (count <= 0) {
            return;
        }
        success.record(count, Math.max(0, nanos) * count);
        latency.observe(nanos, count);
        if (!cacheEnabled) {
            for (long i = 0; i < count; i++) {
                summaries.request(nanos);
            }
        }
    }

    /** For executions recorded on one thread and added at once (a bulk's parts); see {@link ExecutionTally}. */
    public ExecutionTally tally() {
        return new ExecutionTally(this);
    }

    LatencySummaries.Version summaries() {
        return summaries;
    }

    /** {@code count} queue waits of {@code nanos} in all (each already clamped at 0); see {@link ExecutionTally}. */
    void addQueued(long count, long nanos) {
        queue.record(count, nanos);
    }

    /**
     * {@code executions} executions of {@code rows} rows and one request each, with these summed (clamped)
     * durations, as that many {@link #recordExecution} calls would count them; see {@link ExecutionTally}.
     */
    void addExecutions(int rows, long executions, long inputNanos, long inferNanos, long outputNanos) {
        computeInput.record(executions, inputNanos);
        computeInfer.record(executions, inferNanos);
        computeOutput.record(executions, outputNanos);
        inferenceCount.add(rows * executions);
        executionCount.add(executions);
        BatchCounters b = batchCounters(rows);
        b.input.record(executions, inputNanos);
        b.infer.record(executions, inferNanos);
        b.output.record(executions, outputNanos);
        lastInferenceMillis.accumulateAndGet(wallClockMillis.getAsLong(), Math::max);
    }

    /** The counters of executions of {@code rows} rows, made at the first one. */
    private BatchCounters batchCounters(int rows) {
        BatchCounters b = batches.get(rows);
        return b != null ? b : batches.computeIfAbsent(rows, r -> new BatchCounters());
    }

    /** A request failed {@code nanos} after it arrived. */
    public void recordFailure(FailureReason reason, long nanos) {
        failures.get(reason).record(nanos);
        latency.observe(nanos);
    }

    /** The response cache answered a request; {@code nanos} is the lookup. */
    public void recordCacheHit(long nanos) {
        cacheHit.record(nanos);
        summaries.cacheHit(nanos);
    }

    /** The response cache missed; {@code nanos} is the lookup plus the insertion of the response. */
    public void recordCacheMiss(long nanos) {
        cacheMiss.record(nanos);
        summaries.cacheMiss(nanos);
    }

    /** This version answers through the response cache, so its cache metrics are exported. */
    public void enableCacheStatistics() {
        cacheEnabled = true;
    }

    /** A request reached an instance after waiting {@code nanos}. */
    public void recordQueue(long nanos) {
        queue.record(nanos);
        summaries.queue(nanos);
    }

    /**
     * One successful engine execution of {@code rows} batch elements from {@code requests} requests.
     *
     * @param inputNanos  assembling the batch's inputs
     * @param inferNanos  the engine call
     * @param outputNanos splitting the outputs per request
     */
    public void recordExecution(int rows, int requests, long inputNanos, long inferNanos, long outputNanos) {
        computeInput.record(requests, inputNanos * requests);
        computeInfer.record(requests, inferNanos * requests);
        computeOutput.record(requests, outputNanos * requests);
        summaries.compute(requests, inputNanos, inferNanos, outputNanos);
        inferenceCount.add(rows);
        executionCount.increment();
        BatchCounters b = batchCounters(rows);
        b.input.record(inputNanos);
        b.infer.record(inferNanos);
        b.output.record(outputNanos);
        lastInferenceMillis.accumulateAndGet(wallClockMillis.getAsLong(), Math::max);
    }

    /**
     * A failed batch of several requests was retried in parts.
     *
     * @param executions the extra engine executions the retry cost
     * @param rescued    requests of it that got outputs
     * @param isolated   requests of it that failed again and got the engine's error
     */
    public void recordBatchRetry(int executions, int rescued, int isolated) {
        retriedBatches.increment();
        retryExecutions.add(executions);
        this.rescued.add(rescued);
        this.isolated.add(isolated);
    }

    /** Adjusts the count of requests queued and not yet executing (a scheduler with a concurrent queue). */
    public void addPending(long delta) {
        pending.addAndGet(delta);
    }

    /** Sets the count of requests queued and not yet executing (a scheduler that owns its queue on one thread). */
    public void setPending(long count) {
        pending.set(count);
    }

    /** A load of this version finished, ready, after {@code nanos} (Triton's {@code nv_model_load_duration_secs}). */
    public void recordLoadDuration(long nanos) {
        loadNanos = nanos;
    }

    /** How long the last load of this version took, or -1 when none has finished. */
    public long loadNanos() {
        return loadNanos;
    }

    /** The version's statistics are gone (unloaded): its summary series go too. */
    void close() {
        summaries.close();
    }

    public long pendingRequests() {
        return pending.get();
    }

    public ModelStatsSnapshot snapshot() {
        Map<FailureReason, StatisticDuration> byReason = new EnumMap<>(FailureReason.class);
        long failCount = 0;
        long failNanos = 0;
        for (Map.Entry<FailureReason, DurationCounter> e : failures.entrySet()) {
            StatisticDuration d = e.getValue().snapshot();
            byReason.put(e.getKey(), d);
            failCount += d.count();
            failNanos += d.nanos();
        }
        List<BatchStatsSnapshot> batchStats = new ArrayList<>(batches.size());
        batches.forEach((size, b) -> batchStats.add(
                new BatchStatsSnapshot(size, b.input.snapshot(), b.infer.snapshot(), b.output.snapshot())));
        batchStats.sort((a, b) -> Integer.compare(a.batchSize(), b.batchSize()));
        return new ModelStatsSnapshot(name, version, lastInferenceMillis.get(), inferenceCount.sum(),
                executionCount.sum(), success.snapshot(), new StatisticDuration(failCount, failNanos), byReason,
                queue.snapshot(), computeInput.snapshot(), computeInfer.snapshot(), computeOutput.snapshot(),
                batchStats, Math.max(0, pending.get()), latency.snapshot(), new BatchRetrySnapshot(
                        retriedBatches.sum(), retryExecutions.sum(), rescued.sum(), isolated.sum()), cacheEnabled,
                cacheHit.snapshot(), cacheMiss.snapshot());
    }
}
