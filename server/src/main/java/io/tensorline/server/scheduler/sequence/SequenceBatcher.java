package io.tensorline.server.scheduler.sequence;

import io.tensorline.engine.DataType;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.SequenceBatchingSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.scheduler.ServerThreads;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Triton's sequence batcher ({@code sequence_batching}). Transport threads check a request's sequence parameters
 * and post it; one thread, {@code sequence-<model>-<version>}, owns the {@link SequenceCore} and hands batches to
 * one thread per instance ({@code instance-<model>-<version>-<n>}), which runs them with a {@link SequenceRunner}
 * and posts them back. Every thread is started by {@link #start} and joined by {@link #shutdown}.
 */
public final class SequenceBatcher implements Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(SequenceBatcher.class);
    private static final Object STOP = new Object();
    /** Longest sleep when nothing is due, so a lost wake-up costs little. */
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private record Done(int instance, List<SequenceRequest> batch) {
    }

    private final String label;
    private final String model;
    private final SequenceBatchingSpec spec;
    private final ModelStats stats;
    private final NanoClock clock;
    private final int capacity;
    private final List<LoadedModel> instances;
    private final SequenceRunner runner;
    private final SequenceCore core;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final List<BlockingQueue<List<SequenceRequest>>> inboxes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean stopped;
    private volatile boolean coreExited;

    private SequenceBatcher(ModelSpec spec, long version, List<LoadedModel> instances, ModelStats stats,
                            NanoClock clock, int capacity) {
        this.model = spec.name();
        this.label = spec.name() + "-" + version;
        this.spec = Objects.requireNonNull(spec.sequenceBatching(), "sequenceBatching");
        this.stats = stats;
        this.clock = clock;
        this.capacity = capacity;
        this.instances = List.copyOf(instances);
        this.runner = new SequenceRunner(model, this.spec, spec.batches(), stats, clock);
        this.core = new SequenceCore(model, this.spec, spec.maxBatchSize(), instances.size(),
                (i, batch) -> inboxes.get(i).add(batch), new SequenceCore.Outcomes() {
                    @Override
                    public void fail(SequenceRequest r, InferenceException error, FailureReason reason) {
                        waiting.decrementAndGet();
                        stats.addPending(-1);
                        runner.fail(r, error, reason);
                    }

                    @Override
                    public void abandoned(SequenceRequest r) {
                        waiting.decrementAndGet();
                        stats.addPending(-1);
                        stats.recordFailure(FailureReason.CANCELED, clock.nanoTime() - r.arrivalNanos);
                    }
                });
    }

    /**
     * Starts the batcher's threads.
     *
     * @param capacity how many requests may wait before new ones are rejected
     */
    public static SequenceBatcher start(ModelSpec spec, long version, List<LoadedModel> instances, ModelStats stats,
                                        NanoClock clock, int capacity) {
        return start(spec, version, instances, stats, clock, capacity, ServerThreads.DEFAULT);
    }

    /** As above, with the instance and sequence threads made by {@code threads} (the server's thread factory). */
    public static SequenceBatcher start(ModelSpec spec, long version, List<LoadedModel> instances, ModelStats stats,
                                        NanoClock clock, int capacity, ServerThreads threads) {
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("instances: empty (expected: at least one)");
        }
        SequenceBatcher b = new SequenceBatcher(spec, version, instances, stats, clock, capacity);
        for (int i = 0; i < b.instances.size(); i++) {
            BlockingQueue<List<SequenceRequest>> inbox = new LinkedBlockingQueue<>();
            b.inboxes.add(inbox);
            int index = i;
            b.threads.add(threads.newThread("instance-" + b.label + "-" + i, () -> b.runInstance(index, inbox)));
        }
        b.threads.add(threads.newThread("sequence-" + b.label, b::runCore));
        b.threads.forEach(Thread::start);
        return b;
    }

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();
        long arrival = request.arrivalNanos();
        SequenceRequest r;
        try {
            if (stopped) {
                throw InferenceException.unavailable("model '%s' is unloading", model);
            }
            CorrelationId.Flags flags = CorrelationId.parse(request);
            check(request, flags, batchSize);
            r = new SequenceRequest(request, flags, arrival, reply);
        } catch (InferenceException e) {
            stats.recordFailure(FailureReason.REJECTED, clock.nanoTime() - arrival);
            reply.completeExceptionally(e);
            return reply;
        }
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            stats.recordFailure(FailureReason.REJECTED, clock.nanoTime() - arrival);
            reply.completeExceptionally(InferenceException.unavailable("[request id: %s] Exceeds maximum queue size",
                    requestId(request)));
            return reply;
        }
        stats.addPending(1);
        events.add(r);
        if (coreExited) {
            failPostedAfterStop();
        }
        return reply;
    }

    private void check(InferenceRequest request, CorrelationId.Flags flags, int batchSize) {
        if (flags.id().isEmpty()) {
            throw InferenceException.invalid("inference request to model '%s' must specify a non-zero or non-empty "
                    + "correlation ID", model);
        }
        if (batchSize > 1) {
            throw InferenceException.invalid("inference request to model '%s' must specify batch-size 1 due to "
                    + "requirements of sequence batcher", model);
        }
        SequenceBatchingSpec.Control corrid = spec.control(SequenceBatchingSpec.Kind.CORRID);
        if (corrid != null && flags.id().isString() != (corrid.dataType() == DataType.BYTES)) {
            throw InferenceException.invalid("[request id: %s] sequence batching control '%s' data-type is '%s', but "
                    + "model '%s' expects '%s'", requestId(request), corrid.inputName(),
                    flags.id().isString() ? "BYTES" : "UINT64", model, corrid.dataType().wireName());
        }
    }

    private static String requestId(InferenceRequest request) {
        return request.id().isEmpty() ? "<id_unknown>" : request.id();
    }

    private void runCore() {
        long wake = Long.MAX_VALUE;
        while (true) {
            Object event;
            try {
                long now = clock.nanoTime();
                long wait = wake == Long.MAX_VALUE ? IDLE_WAIT_NANOS : Math.max(0, wake - now);
                event = events.poll(Math.min(wait, IDLE_WAIT_NANOS), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                LOG.warn("{} interrupted; it stops scheduling", Thread.currentThread().getName());
                core.shutdown();
                coreExited = true;
                return;
            }
            long now = clock.nanoTime();
            if (event == STOP) {
                core.shutdown();
                coreExited = true;
                return;
            }
            if (event instanceof SequenceRequest r) {
                core.submit(r, now);
            } else if (event instanceof Done d) {
                for (int i = 0; i < d.batch().size(); i++) {
                    waiting.decrementAndGet();
                }
                core.batchDone(d.instance(), d.batch(), now);
            }
            wake = core.step(now);
        }
    }

    private void runInstance(int index, BlockingQueue<List<SequenceRequest>> inbox) {
        LoadedModel instance = instances.get(index);
        while (true) {
            List<SequenceRequest> batch;
            try {
                batch = inbox.take();
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) {
                return; // the stop signal
            }
            stats.addPending(-batch.size());
            runner.run(instance, batch);
            events.add(new Done(index, batch));
        }
    }

    @Override
    public void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        events.add(STOP);
        Thread coreThread = threads.get(threads.size() - 1);
        join(coreThread);
        // after the core: every batch it dispatched is in an inbox ahead of the stop signal
        inboxes.forEach(inbox -> inbox.add(List.of()));
        threads.subList(0, threads.size() - 1).forEach(SequenceBatcher::join);
        failPostedAfterStop();
        instances.forEach(LoadedModel::close);
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests posted once the core thread had stopped: nobody else will answer them. */
    private void failPostedAfterStop() {
        Object event;
        while ((event = events.poll()) != null) {
            if (event instanceof SequenceRequest r) {
                stats.addPending(-1);
                runner.fail(r, InferenceException.unavailable("model '%s' is unloading", model), FailureReason.OTHER);
            }
        }
    }
}
