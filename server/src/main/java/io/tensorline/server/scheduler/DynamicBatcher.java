package io.tensorline.server.scheduler;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Triton's dynamic batcher on an LMAX Disruptor ring, for one model version.
 *
 * <p>Threads: transport threads call {@link #submit}, which only publishes on the multi-producer ring
 * ({@code tryPublishEvent}: a full ring fails the future at once, nothing blocks). One consumer thread,
 * {@code batcher-<model>-<version>}, owns the {@link BatcherCore} and with it all batching state; it reacts to
 * requests, to instances reporting a finished batch (they publish on the same ring), to the lifecycle events, and
 * to deadlines (through {@link DeadlineWaitStrategy}). The {@link InstancePool} runs the batches and answers them.
 * This class creates the batcher thread in {@link #start}; the thread exits once the core is
 * {@linkplain BatcherCore#finished finished} after {@link #shutdown} or {@link #shutdownNow}, and then stops the
 * pool.
 */
public final class DynamicBatcher implements Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    private final String label;
    private final String model;
    /** The policy it started with: sizes and capacity for those that replace it. */
    private final BatchingPolicy policy;
    private final Function<BatchingPolicy, QueueDelay> delays;
    private final NanoClock clock;
    private final int ringSize;
    private final RingBuffer<RingEvent> ring;
    private final BatchEventProcessor<RingEvent> processor;
    private final BatcherCore core;
    private final InstancePool pool;
    private final Completer completer;
    /** Idle instances lent to submitters while nothing waits; null when the policy never allows it. */
    private final InstanceLeases leases;
    /** Whether the queue delay is tuned ({@link BatcherCore#delayAdapts}): then direct batches are reported. */
    private volatile boolean observeDirect;
    /** Arrival and done stamps of direct requests, for the batcher thread's tuned delay; at most
     *  {@value #DIRECT_OBSERVATIONS} wait (the ring may stay idle while every request goes direct). */
    private final ConcurrentLinkedQueue<long[]> directDone = new ConcurrentLinkedQueue<>();
    /**
     * Per event loop thread: the requests it gathered in its current turn, of every batcher ({@link #gather});
     * static, and emptied by each run, so that a thread holds no batcher once its turn is over.
     */
    private static final ThreadLocal<Turn> TURN = ThreadLocal.withInitial(Turn::new);
    private final AtomicInteger directWaiting = new AtomicInteger();
    static final int DIRECT_OBSERVATIONS = 4096;
    private final Thread batcherThread;
    private final Object lifecycle = new Object();
    /** Set first thing in shutdown; submitters check it before and after publishing. */
    private volatile boolean stopping;
    /** Set once the batcher thread has left the ring: nobody consumes any more. */
    private volatile boolean drained;
    /**
     * The last ring sequence anyone consumed: the cursor {@link #drainRing} read after it set {@link #drained};
     * {@link #NOT_YET} until then. A request published at a later sequence was seen by nobody.
     */
    private volatile long drainedThrough = NOT_YET;
    private static final long NOT_YET = Long.MIN_VALUE;
    /** Test seam: runs on the submitting thread between publishing a request and checking {@link #drained}. */
    Runnable afterPublishForTests;
    // guarded by lifecycle
    private boolean started;
    private boolean shutDown;

    /**
     * Builds the batcher; {@link #start} starts its threads.
     *
     * @param modelName the model's name, for thread names and messages
     * @param instances one engine session per instance; this batcher owns and closes them
     * @param ringSize  the ring's slots (a power of two); it also caps the requests waiting in all levels
     */
    DynamicBatcher(String modelName, long version, BatchingPolicy policy, List<LoadedModel> instances,
                   ModelStats stats, NanoClock clock, int ringSize) {
        this(modelName, version, policy, QueueDelay.fixed(policy.maxQueueDelayNanos()), instances, stats, clock,
                ringSize, SpinPolicy.NONE);
    }

    /**
     * @param delay the queue delay: the policy's fixed one, or a {@link LatencyTargetDelay}
     * @param spin  how long the batcher and instance threads spin for work before they park
     */
    DynamicBatcher(String modelName, long version, BatchingPolicy policy, QueueDelay delay, List<LoadedModel> instances,
                   ModelStats stats, NanoClock clock, int ringSize, SpinPolicy spin) {
        this(modelName, version, policy, delay, p -> QueueDelay.fixed(p.maxQueueDelayNanos()), instances, stats,
                clock, ringSize, spin);
    }

    /** @param delays the queue delay of a policy that replaces {@code policy} in place */
    DynamicBatcher(String modelName, long version, BatchingPolicy policy, QueueDelay delay,
                   Function<BatchingPolicy, QueueDelay> delays, List<LoadedModel> instances, ModelStats stats,
                   NanoClock clock, int ringSize, SpinPolicy spin) {
        this(modelName, version, policy, delay, delays, instances, stats, clock, ringSize, spin,
                ServerThreads.DEFAULT);
    }

    /** @param threads makes the batcher, instance and completer threads (the server's one thread factory) */
    DynamicBatcher(String modelName, long version, BatchingPolicy policy, QueueDelay delay,
                   Function<BatchingPolicy, QueueDelay> delays, List<LoadedModel> instances, ModelStats stats,
                   NanoClock clock, int ringSize, SpinPolicy spin, ServerThreads threads) {
        Objects.requireNonNull(modelName, "modelName");
        this.policy = policy;
        this.delays = Objects.requireNonNull(delays, "delays");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(stats, "stats");
        if (ringSize < 1 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize: " + ringSize + " (expected: a power of two)");
        }
        this.label = modelName + "-" + version;
        this.model = "'" + modelName + "' version " + version;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ringSize = ringSize;
        ReleaseStrategy release = ReleaseStrategy.of(policy.preserveOrdering());
        this.pool = new InstancePool(label, model, instances, stats, clock, release, spin, threads);
        this.completer = pool.completer();
        DeadlineWaitStrategy waitStrategy = new DeadlineWaitStrategy(clock, spin.batcherNanos());
        this.ring = RingBuffer.createMultiProducer(RingEvent::new, ringSize, waitStrategy);
        this.core = new BatcherCore(policy, release, delay, model, pool.size(), pool::assign, completer,
                pool::complete, stats);
        // preserve_ordering cannot change in place, so neither can whether answers are held by the batcher
        this.leases = release.answersOnInstance() ? new InstanceLeases(pool.size()) : null;
        if (leases != null) {
            core.lendTo(leases);
            this.observeDirect = delay.adapts();
            pool.onFree(batch -> {
                if (!leases.finished(batch.instance())) {
                    ring.publishEvent(RingEvent.BATCH_DONE, batch);
                } else if (observeDirect) {
                    reportDirect(batch);
                }
            });
        } else {
            pool.onFree(batch -> ring.publishEvent(RingEvent.BATCH_DONE, batch));
        }
        waitStrategy.deadlines(core::nextDeadline);
        this.processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), new Handler());
        processor.setExceptionHandler(new LoggingExceptionHandler());
        ring.addGatingSequences(processor.getSequence());
        this.batcherThread = threads.newThread("batcher-" + label, this::runBatcher);
    }

    /** Builds a batcher for a model's {@code dynamic_batching} policy and starts its threads. */
    static DynamicBatcher start(String modelName, long version, BatchingPolicy policy, QueueDelay delay,
                                List<LoadedModel> instances, ModelStats stats, NanoClock clock, int ringSize,
                                SpinPolicy spin) {
        return start(modelName, version, policy, p -> p == policy ? delay : QueueDelay.fixed(p.maxQueueDelayNanos()),
                instances, stats, clock, ringSize, spin);
    }

    /**
     * As above, with the queue delay of each policy, the first one's and those that replace it in place, from
     * {@code delays}.
     */
    static DynamicBatcher start(String modelName, long version, BatchingPolicy policy,
                                Function<BatchingPolicy, QueueDelay> delays, List<LoadedModel> instances,
                                ModelStats stats, NanoClock clock, int ringSize, SpinPolicy spin) {
        return start(modelName, version, policy, delays, instances, stats, clock, ringSize, spin,
                ServerThreads.DEFAULT);
    }

    /** As above, with the threads made by {@code threads}. */
    static DynamicBatcher start(String modelName, long version, BatchingPolicy policy,
                                Function<BatchingPolicy, QueueDelay> delays, List<LoadedModel> instances,
                                ModelStats stats, NanoClock clock, int ringSize, SpinPolicy spin,
                                ServerThreads threads) {
        DynamicBatcher batcher = new DynamicBatcher(modelName, version, policy, delays.apply(policy), delays,
                instances, stats, clock, ringSize, spin, threads);
        batcher.start();
        return batcher;
    }

    /** Starts the batcher and instance threads; idempotent. */
    void start() {
        synchronized (lifecycle) {
            if (started || shutDown) {
                return;
            }
            started = true;
            pool.start();
            batcherThread.start();
        }
    }

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();
        if (stopping) {
            reply.completeExceptionally(unloading());
            return reply;
        }
        PendingRequest pending = new PendingRequest(request, batchSize, reply, request.arrivalNanos());
        if (leases != null && (gather(pending) || handOff(pending))) {
            return reply;
        }
        publish(pending);
        return reply;
    }

    /** Puts a request on the ring for the batcher thread; a full ring or a drained batcher answers it at once. */
    private void publish(PendingRequest pending) {
        InferenceRequest request = pending.request;
        long seq;
        try {
            seq = ring.tryNext();
        } catch (InsufficientCapacityException full) {
            completer.fail(pending, ErrorTexts.queueFull(request.id(), String.format("the batcher ring of "
                    + "model %s is full (%d slots)", model, ringSize)), FailureReason.REJECTED);
            return;
        }
        try {
            RingEvent.REQUEST.translateTo(ring.get(seq), seq, pending);
        } finally {
            ring.publish(seq);
        }
        Runnable hook = afterPublishForTests;
        if (hook != null) {
            hook.run();
        }
        if (drained && seq > consumedThrough()) {
            // published after the ring's last reader left: nobody else will answer it. One published before (which
            // the batcher thread or drainRing consumed, and may have answered already) is not ours to answer.
            completer.fail(pending, unloading(), FailureReason.OTHER);
        }
    }

    /** Once {@link #drained} is set: the last sequence consumed (drainRing sets it right after). */
    private long consumedThrough() {
        long through;
        while ((through = drainedThrough) == NOT_YET) {
            Thread.onSpinWait();
        }
        return through;
    }

    /**
     * The direct hand-off: when nothing is on the ring (every earlier request reached the batcher thread, which
     * keeps instances lent only while its queues are empty) and an instance is lent, gives the request to that
     * instance as a batch of one, which is what the batcher would send. A request the batcher would reject
     * (batch size out of range) or one already cancelled takes the ring, where it gets its answer.
     */
    private boolean handOff(PendingRequest pending) {
        if (!batchableAlone(pending)) {
            return false;
        }
        if (ring.getCursor() != processor.getSequence().get()) {
            pool.sawLoad(); // requests on the ring that the batcher has not taken yet
            return false;
        }
        int id = leases.claim();
        if (id < 0) {
            return false;
        }
        pending.state = PendingRequest.State.DISPATCHED;
        Batch batch = new Batch(id, List.of(pending), pending.rows);
        if (!pool.runHere(batch)) {
            pool.assign(batch);
        }
        return true;
    }

    /** Whether a request may skip the ring: its rows fit a batch (else the batcher rejects it) and it is live. */
    private boolean batchableAlone(PendingRequest pending) {
        return pending.rows >= 1 && pending.rows <= policy.maxBatchSize() && !pending.abandoned();
    }

    /**
     * On a transport's event loop, for a model fast enough to run there ({@link InstancePool#runsGatheredHere}):
     * keeps the request for {@link #runGathered}, which the loop runs once it has handled the reads at hand, so that
     * every request one turn of its reads decoded goes out in one batch. A request the batcher would reject (batch
     * size out of range) or one already cancelled takes the ring, where it gets its answer.
     *
     * @return false when the request was not kept (another path takes it)
     */
    private boolean gather(PendingRequest pending) {
        if (!batchableAlone(pending) || !pool.runsGatheredHere()) {
            return false;
        }
        Executor loop = AfterRead.current();
        if (loop == null) {
            return false;
        }
        Turn turn = TURN.get();
        if (turn.requests.isEmpty()) {
            try {
                loop.execute(turn);
            } catch (RejectedExecutionException shuttingDown) {
                return false;
            }
        }
        turn.requests.add(pending);
        turn.batchers.add(this);
        return true;
    }

    /**
     * The requests one event loop thread gathered in its current turn ({@link #gather}); that thread only. Run on the
     * loop after its reads: each batcher's share goes to {@link #runGathered}, in the order they came.
     */
    private static final class Turn implements Runnable {

        private final List<PendingRequest> requests = new ArrayList<>();
        private final List<DynamicBatcher> batchers = new ArrayList<>();

        @Override
        public void run() {
            List<PendingRequest> all = List.copyOf(requests);
            List<DynamicBatcher> of = List.copyOf(batchers);
            requests.clear();
            batchers.clear();
            DynamicBatcher only = of.get(0);
            if (allOf(of, only)) {
                only.runGathered(all);
                return;
            }
            Map<DynamicBatcher, List<PendingRequest>> each = new LinkedHashMap<>();
            for (int i = 0; i < all.size(); i++) {
                each.computeIfAbsent(of.get(i), b -> new ArrayList<>()).add(all.get(i));
            }
            each.forEach(DynamicBatcher::runGathered);
        }

        private static boolean allOf(List<DynamicBatcher> batchers, DynamicBatcher one) {
            for (DynamicBatcher b : batchers) {
                if (b != one) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * On the event loop, after its reads: as long as nothing waits on the ring and a lent instance is idle, takes
     * the requests in order into batches (the same shape, at most {@code max_batch_size} rows: what the batcher
     * thread would send with a queue delay of 0) and runs each on this thread, answered before the instance reports
     * itself free; the rest go on the ring, as does everything once the batcher is stopping (it then drains or
     * fails them) and any request cancelled meanwhile (answered there).
     */
    private void runGathered(List<PendingRequest> all) {
        int at = 0;
        while (at < all.size()) {
            PendingRequest first = all.get(at);
            if (first.abandoned()) {
                publish(first);
                at++;
                continue;
            }
            int end = at + 1;
            int rows = first.rows;
            while (end < all.size() && all.get(end).shapeKey.equals(first.shapeKey)
                    && rows + all.get(end).rows <= policy.maxBatchSize() && !all.get(end).abandoned()) {
                rows += all.get(end).rows;
                end++;
            }
            int id = !stopping && ring.getCursor() == processor.getSequence().get() ? leases.claim() : -1;
            if (id < 0) {
                pool.sawLoad();
                break;
            }
            List<PendingRequest> batch = List.copyOf(all.subList(at, end));
            for (PendingRequest r : batch) {
                r.state = PendingRequest.State.DISPATCHED;
            }
            pool.runGatheredHere(new Batch(id, batch, rows));
            at = end;
        }
        for (; at < all.size(); at++) {
            publish(all.get(at));
        }
    }

    /** A direct batch is done (on the instance's or the submitter's thread): its stamps go to the batcher thread. */
    private void reportDirect(Batch batch) {
        long now = clock.nanoTime();
        for (PendingRequest r : batch.requests()) {
            if (directWaiting.incrementAndGet() > DIRECT_OBSERVATIONS) {
                directWaiting.decrementAndGet();
                return; // the tuner has more than a window's worth waiting already
            }
            directDone.add(new long[] {r.arrivalNanos, now});
        }
    }

    /** Batcher thread: hands the direct requests done since the last event to the core. */
    private void takeDirectDone() {
        long[] done;
        while ((done = directDone.poll()) != null) {
            directWaiting.decrementAndGet();
            core.onDirectDone(done[0], done[1]);
        }
    }

    /** Instances lent for the direct hand-off and idle right now; for tests. */
    int lentIdleInstances() {
        return leases == null ? 0 : leases.freeNow();
    }

    /** Whether the batcher thread has consumed every event published so far (as handOff asks); for tests. */
    boolean ringConsumed() {
        return ring.getCursor() == processor.getSequence().get();
    }

    /** Instances holding a batch right now ({@link InstancePool#busyNow}); for tests. */
    int busyInstances() {
        return pool.busyNow();
    }

    /** Requests handed straight to an instance so far ({@link InstanceLeases}); for tests. */
    long directHandOffs() {
        return leases == null ? 0 : leases.directCount();
    }

    /**
     * Stops taking requests (new ones fail with UNAVAILABLE); those accepted still run, without waiting for the
     * queue delay, and are answered; then the threads stop and the instances close. Idempotent; does not wait.
     */
    @Override
    public void shutdown() {
        stop(RingEvent.Kind.DRAIN);
    }

    /** As {@link #shutdown}, but fails the requests still waiting with UNAVAILABLE; running batches finish. */
    @Override
    public void shutdownNow() {
        stop(RingEvent.Kind.SHUTDOWN_NOW);
    }

    private void stop(RingEvent.Kind how) {
        synchronized (lifecycle) {
            stopping = true;
            if (!started) {
                if (!shutDown) {
                    // no batcher thread ever ran: this thread fails what was published and stops the pool
                    shutDown = true;
                    drainRing();
                    pool.stopWhenDone();
                }
                return;
            }
            shutDown = true;
            if (!drained) {
                ring.publishEvent(RingEvent.CONTROL, how);
            }
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }

    @Override
    public InPlaceChanges inPlace() {
        return this::change;
    }

    /**
     * Adds the instances to the pool on the calling thread (their threads wait for batches), then hands the
     * change to the batcher thread on the ring, which makes the added instances idle, stops giving batches to
     * the removed ones, and swaps the batching settings between two events.
     */
    private CompletableFuture<Void> change(List<LoadedModel> added, List<Integer> removed,
                                           DynamicBatchingSpec batching) {
        BatchingPolicy nextPolicy = batching == null ? null
                : BatchingPolicy.of(policy.maxBatchSize(), batching, policy.capacity());
        QueueDelay nextDelay = nextPolicy == null ? null : delays.apply(nextPolicy);
        if (nextPolicy != null && (nextPolicy.levels() != policy.levels()
                || nextPolicy.preserveOrdering() != policy.preserveOrdering())) {
            // the queues and the way answers are released are built for them
            added.forEach(LoadedModel::close);
            throw new IllegalArgumentException("priority_levels and preserve_ordering cannot change in place");
        }
        if (stopping) {
            added.forEach(LoadedModel::close);
            throw new IllegalStateException("model " + model + " is unloading");
        }
        List<Integer> addedIds = pool.add(added);
        List<Integer> removedIds = pool.takeOut(removed);
        CompletableFuture<Void> applied = new CompletableFuture<>();
        ring.publishEvent(RingEvent.CHANGE, () -> {
            try {
                core.change(addedIds, removedIds, pool::retire, nextPolicy, nextDelay);
                applied.complete(null);
            } catch (RuntimeException e) {
                applied.completeExceptionally(e);
            }
        });
        if (drained) {
            // published after the ring's last reader left: the pool stops every instance anyway
            applied.complete(null);
        }
        return applied.thenCompose(v -> pool.closed(removedIds));
    }

    /** Whether a shutdown has finished: see {@link #awaitTermination}. */
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    /** The batcher thread: the ring until the core is finished, then what is left on it, then the pool. */
    private void runBatcher() {
        try {
            processor.run();
        } finally {
            drainRing();
            pool.stopWhenDone();
        }
    }

    /**
     * Runs the events left on the ring through the closed core: late requests fail. Dekker with submit(): it
     * claims a slot, then reads `drained`; we write `drained`, then read the cursor. So a submitter that read false
     * claimed its slot before our read and its event is drained here; one that read true fails its request itself
     * only when its slot is past the cursor we read ({@link #drainedThrough}): any other was consumed, here or by
     * the batcher thread, and answered there.
     */
    private void drainRing() {
        core.shutdown();
        drained = true;
        VarHandle.fullFence();
        long cursor = ring.getCursor();
        drainedThrough = cursor;
        for (long seq = processor.getSequence().get() + 1; seq <= cursor; seq++) {
            while (!ring.isAvailable(seq)) {
                Thread.onSpinWait();
            }
            RingEvent e = ring.get(seq);
            switch (e.kind) {
                case REQUEST -> core.onRequest(e.request);
                case BATCH_DONE -> core.onBatchDone(e.batch, clock.nanoTime());
                case CHANGE -> e.change.run();
                case DRAIN, SHUTDOWN_NOW -> { }
            }
            e.clear();
        }
        processor.getSequence().set(cursor);
        core.failUnfinished();
    }

    private InferenceException unloading() {
        return InferenceException.unavailable("model %s is unloading", model);
    }

    /** Runs on the batcher thread: feeds ring events to the core and steps it after each run of events. */
    private final class Handler implements EventHandler<RingEvent> {

        @Override
        public void onEvent(RingEvent e, long sequence, boolean endOfBatch) {
            try {
                switch (e.kind) {
                    case REQUEST -> core.onRequest(e.request);
                    case BATCH_DONE -> core.onBatchDone(e.batch, clock.nanoTime());
                    case DRAIN -> core.drain();
                    case SHUTDOWN_NOW -> core.shutdown();
                    case CHANGE -> {
                        e.change.run();
                        observeDirect = core.delayAdapts();
                    }
                }
            } catch (RuntimeException | Error ex) {
                // a bug in the batcher: answer what we can and keep the ring going
                LOG.error("batcher-{} failed on a {} event", label, e.kind, ex);
                if (e.kind == RingEvent.Kind.REQUEST) {
                    completer.fail(e.request, InferenceException.from(ex), FailureReason.OTHER);
                }
            } finally {
                e.clear();
            }
            if (endOfBatch) {
                stepAndMaybeStop();
            }
        }

        @Override
        public void onTimeout(long sequence) {
            stepAndMaybeStop();
        }

        private void stepAndMaybeStop() {
            takeDirectDone();
            core.step(clock.nanoTime());
            if (core.finished()) {
                processor.halt();
            }
        }
    }

    /** A bug in the batcher must not stop the ring: log it and go on with the next event. */
    private final class LoggingExceptionHandler implements ExceptionHandler<RingEvent> {

        @Override
        public void handleEventException(Throwable ex, long sequence, RingEvent event) {
            LOG.error("batcher-{} failed on event {}", label, sequence, ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.error("batcher-{} failed to start", label, ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.error("batcher-{} failed to stop", label, ex);
        }
    }
}
