package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The instances of one model version, shared by every scheduler: one thread per instance runs the batches it is
 * assigned ({@link BatchExecutor}: assemble, execute, retry failed batches in halves, split, record statistics,
 * word errors), reports itself free to the scheduler, and only then answers the batch's requests: a batch of several
 * requests is handed to the completer thread, so that encoding and writing its responses never keeps the device
 * idle; a lone request is answered on the instance thread when no batch waits for it (the low-load case, where a
 * hand-off would only add a wake-up to the round trip), and so is a batch of several whose engine execution took
 * less than {@value #INLINE_ANSWER_MAX_EXEC_NANOS} ns when no batch waits ({@link #answersInline}). A lone request
 * for an idle instance whose executions are shorter still may instead run start to end on the thread that submits
 * it ({@link #runHere}). Schedulers decide what runs where; this class decides nothing.
 *
 * <p>Threads: {@code instance-<label>-<n>} owns its {@link LoadedModel} and closes it when it stops;
 * {@code completer-<label>} answers requests handed off to it, in the order they were handed off. This class
 * creates them in {@link #start} and they exit after {@link #stopWhenDone}; {@link #awaitTermination} waits for
 * the last of them. Instances can be added to a running pool ({@link #add}) and taken out of it ({@link #takeOut},
 * {@link #retire}); an instance's id stays its own until the pool stops.
 */
final class InstancePool {

    /** Called on the instance thread when a batch's outcomes are decided; may assign the next batch at once. */
    @FunctionalInterface
    interface FreeListener {
        void free(Batch done);
    }

    private static final Logger LOG = LoggerFactory.getLogger(InstancePool.class);
    private static final Batch STOP = new Batch(-1, List.of(), 0);
    /**
     * A batch whose engine execution (real time, from assembly to split) took less than this is answered on its
     * instance thread when no batch waits for the instance: a device that fast is bound by the same CPU cores the
     * completer would run on, so the hand-off only adds a wake-up and a context switch per batch, and its next
     * batch is only a few answers' worth of time away. A slower device (the simulated 2 ms one of issue 10.1, a
     * GPU model) hands its batches off, so it is free for the next one the moment the engine returns.
     */
    static final long INLINE_ANSWER_MAX_EXEC_NANOS = 200_000;

    private final String label;
    private final String model;
    private final ModelStats stats;
    private final NanoClock clock;
    private final long spinNanos;
    /** {@link SpinPolicy#runHereNanos}: the recent execution time under which {@link #runHere} runs a batch. */
    private final long runHereNanos;
    private final Completer completer;
    private final boolean answersRequests;
    private final ServerThreads threads;
    /**
     * Every worker by id (ids are never reused; removed ones stay here, stopped); copy-on-write under
     * {@code this}, read without a lock by {@link #assign}.
     */
    private volatile Worker[] workers = new Worker[0];
    /** The ids of the instances serving, in order; guarded by this. */
    private final List<Integer> order = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    /**
     * How many instances hold a batch right now, from taking it to having answered it or handed its answers on
     * ({@link Worker#runOne}, {@link Worker#runHere}): 0 means nothing of the model is in flight on an instance.
     */
    private final AtomicInteger busy = new AtomicInteger();
    /**
     * How many more direct hand-offs go to the instance threads before {@link #runHere} runs one on its caller
     * again: set to {@value #RUN_HERE_HOLD} whenever a request met load ({@link #sawLoad}, or a hand-off that found
     * an instance holding a batch), counted down by each hand-off after that. Racy on purpose: it is a hint.
     */
    private volatile int runHereHold;
    /**
     * A moving average of the real time of every instance's executions, unknown (the largest value) until the
     * first: {@link #runsGatheredHere}. Written by whichever threads run batches, racily on purpose: it is a hint.
     */
    private volatile long modelRecentExecNanos = Long.MAX_VALUE;
    /** The instances serving now ({@link #order}'s size), for {@link #runsGatheredHere}. */
    private volatile int serving;
    /** See {@link #runHereHold}. */
    static final int RUN_HERE_HOLD = 256;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ThreadPoolExecutor completions;
    private FreeListener listener = b -> { };

    /**
     * @param label      model name and version for thread names, e.g. {@code simple-1}
     * @param model      the model's name and version as messages show them, e.g. {@code "'simple' version 1"}
     * @param instances  one engine session per instance; the pool owns and closes them
     * @param release    {@link ReleaseStrategy#answersOnInstance()}: whether the pool answers a batch's requests
     *                   itself, or the scheduler releases them (in arrival order) through {@link #complete}
     * @param spin       how long an idle instance thread spins for its next batch before it parks
     *                   ({@link SpinPolicy#instanceNanos}), and when {@link #runHere} runs a batch on its caller
     *                   ({@link SpinPolicy#runHereNanos})
     * @param threads    makes the instance and completer threads (the server's one thread factory)
     */
    InstancePool(String label, String model, List<LoadedModel> instances, ModelStats stats, NanoClock clock,
                 ReleaseStrategy release, SpinPolicy spin, ServerThreads threads) {
        this.threads = java.util.Objects.requireNonNull(threads, "threads");
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("instances: empty (expected: at least one)");
        }
        this.label = label;
        this.model = model;
        this.stats = stats;
        this.clock = clock;
        this.spinNanos = spin.instanceNanos();
        this.runHereNanos = spin.runHereNanos();
        this.completer = new Completer(stats, clock);
        this.answersRequests = release.answersOnInstance();
        addWorkers(instances);
        this.completions = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads.named("completer-" + label)) {
            @Override
            protected void terminated() {
                InstancePool.this.terminated.countDown();
            }
        };
    }

    /** The instances serving now (removed ones not counted). */
    synchronized int size() {
        return order.size();
    }

    /** Creates a worker per instance, with the next ids, and returns them; under this. */
    private List<Integer> addWorkers(List<LoadedModel> instances) {
        Worker[] grown = java.util.Arrays.copyOf(workers, workers.length + instances.size());
        List<Integer> ids = new ArrayList<>(instances.size());
        for (int k = 0; k < instances.size(); k++) {
            int id = workers.length + k;
            LoadedModel m = instances.get(k);
            grown[id] = new Worker(id, m, new BatchExecutor(m, model, stats, clock), new Handoff<>(spinNanos));
            ids.add(id);
        }
        workers = grown;
        order.addAll(ids);
        serving = order.size();
        return ids;
    }

    /**
     * Adds instances to a running pool; their threads start at once and wait for batches. Any thread.
     *
     * @return their ids, for {@link #assign}
     * @throws IllegalStateException when the pool is stopping (the instances are then closed)
     */
    synchronized List<Integer> add(List<LoadedModel> instances) {
        if (stopping.get()) {
            instances.forEach(m -> closeQuietly(m, label));
            throw new IllegalStateException("the instances of " + model + " are stopping");
        }
        List<Integer> ids = addWorkers(instances);
        if (started.get()) {
            for (int id : ids) {
                running.incrementAndGet();
                workers[id].thread.start();
            }
        }
        return ids;
    }

    /**
     * Takes the instances at these positions of the current order out of it; the caller's scheduler stops
     * giving them batches and then {@linkplain #retire retires} each.
     *
     * @return their ids
     */
    synchronized List<Integer> takeOut(List<Integer> positions) {
        List<Integer> ids = new ArrayList<>(positions.size());
        for (int p : positions) {
            ids.add(order.get(p));
        }
        order.removeAll(ids);
        serving = order.size();
        return ids;
    }

    /**
     * Lets an instance taken out finish the batch it holds (none may be assigned after this), then stops its
     * thread and closes it. Any thread.
     *
     * @return completes once its engine session is closed
     */
    CompletableFuture<Void> retire(int id) {
        Worker w = workers[id];
        w.stop();
        return w.closed;
    }

    /** Completes once every one of these instances is closed. */
    CompletableFuture<Void> closed(List<Integer> ids) {
        return CompletableFuture.allOf(ids.stream().map(id -> workers[id].closed).toArray(CompletableFuture[]::new));
    }

    Completer completer() {
        return completer;
    }

    /** Set before {@link #start}: who hears that an instance is free. */
    void onFree(FreeListener l) {
        this.listener = l;
    }

    synchronized void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        running.set(workers.length);
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    /** Gives a batch to the idle instance it names. Any thread; never blocks. */
    void assign(Batch batch) {
        workers[batch.instance()].inbox.put(batch);
    }

    /**
     * Runs a batch on the calling thread, start to end (execute, answer, report free), when its instance's recent
     * executions (real time, a moving average) took less than {@link SpinPolicy#runHereNanos}, no instance of the model
     * holds a batch (none is running or answering one), and no request met load in the last {@value #RUN_HERE_HOLD}
     * hand-offs. For a model that fast the hops to the instance thread and, for the answer, back to the transport's
     * event loop (whose write then no longer coalesces with the others of its read) cost more than the execution. Only
     * on an idle model, because the submitter waits meanwhile (an event loop running the model reads no further
     * requests) and the requests that arrive while a batch is run and answered would batch together. The caller holds
     * the idle instance for the batch (a direct hand-off) and would otherwise {@link #assign} it; the instance's own
     * thread stays parked (an instance runs one batch at a time, wherever it runs). The batch is answered before the
     * instance reports itself free, so the instance and its engine session (closed at shutdown only after every
     * instance reported free) are this caller's until nothing of the batch is left.
     *
     * @return false when the instance is not that fast (or not known yet), the model met load, or the batch is a
     *         bulk: assign it instead
     */
    boolean runHere(Batch batch) {
        Worker w = workers[batch.instance()];
        if (batch.bulk() != null || !answersRequests || w.recentExecNanos >= runHereNanos) {
            return false;
        }
        // only away from load: under load the requests that arrive while a batch is run and answered batch together,
        // and running each where it is submitted would take that away (measured: with "no instance executing" as
        // the test, 4-5 requests per execution became 1.6; with "none holds a batch", 2.7), so once a request met
        // load the next RUN_HERE_HOLD hand-offs keep the instance threads
        if (busy.get() > 0) {
            sawLoad();
            return false;
        }
        int hold = runHereHold;
        if (hold > 0) {
            runHereHold = hold - 1;
            return false;
        }
        w.runHere(batch);
        return true;
    }

    /**
     * Whether a batch gathered on a transport's event loop may run there ({@link DynamicBatcher}): the pool answers
     * requests itself and {@link #gathersOnLoop} holds for the model's recent executions (any instance's, a moving
     * average of real time). Unlike {@link #runHere}, under load too: the batch is what one turn of the loop's reads
     * brought, so running it there keeps the batching and takes the hops away.
     */
    boolean runsGatheredHere() {
        return answersRequests && gathersOnLoop(modelRecentExecNanos, runHereNanos, serving, AfterRead.loops());
    }

    /**
     * The rule for {@link #runsGatheredHere}: executions shorter than {@link SpinPolicy#runHereNanos} (20 µs) always
     * (too short for where they run to matter), and shorter than {@link #INLINE_ANSWER_MAX_EXEC_NANOS} (200 µs)
     * while the model has no more instances than the transport has event loops. A device that fast is bound by the
     * same cores the instance threads would run on, and the two hops per batch cost more than they free; but a
     * batch run on a loop uses that loop's thread, so the loops bound how many run at once, and a model with more
     * instances than loops (a larger machine) keeps its instance threads.
     */
    static boolean gathersOnLoop(long recentExecNanos, long runHereNanos, int instances, int loops) {
        return recentExecNanos < runHereNanos
                || recentExecNanos < INLINE_ANSWER_MAX_EXEC_NANOS && instances <= loops;
    }

    /**
     * Runs a gathered batch on the calling thread, start to end (execute, answer, report free), on the idle instance
     * the caller claimed for it; see {@link #runsGatheredHere}.
     */
    void runGatheredHere(Batch batch) {
        workers[batch.instance()].runHere(batch);
    }

    /** How many instances hold a batch right now; for tests, which wait for 0 before expecting a run here. */
    int busyNow() {
        return busy.get();
    }

    /** A request met load (it queued, or found no idle instance): {@link #runHere} holds off for a while. */
    void sawLoad() {
        if (runHereHold != RUN_HERE_HOLD) {
            runHereHold = RUN_HERE_HOLD;
        }
    }

    /** Answers requests on the completer thread, in the order of the calls. Any thread. */
    void complete(List<PendingRequest> requests) {
        if (requests.isEmpty()) {
            return;
        }
        try {
            completions.execute(() -> requests.forEach(completer::release));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // only after the pool stopped, when no scheduler hands anything over any more
            requests.forEach(completer::release);
        }
    }

    /**
     * Lets each instance finish the batch it holds, then stops its thread and closes its instance; then the
     * completer answers what it holds and stops. Idempotent; does not wait.
     */
    synchronized void stopWhenDone() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        if (!started.get()) {
            for (Worker w : workers) {
                w.closeInstance();
            }
            completions.shutdown();
            return;
        }
        for (Worker w : workers) {
            w.stop();
        }
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    private static void closeQuietly(LoadedModel m, String what) {
        try {
            m.close();
        } catch (RuntimeException e) {
            LOG.warn("closing {} failed", what, e);
        }
    }

    /**
     * Whether an instance answers the batch it just ran itself rather than handing it to the completer: never
     * when a batch already waits for it; a lone request always (a hand-off would only add a wake-up); a batch of
     * several when its execution took less than {@link #INLINE_ANSWER_MAX_EXEC_NANOS}.
     */
    static boolean answersInline(int requests, boolean batchWaiting, long executionNanos) {
        if (batchWaiting) {
            return false;
        }
        return requests == 1 || executionNanos < INLINE_ANSWER_MAX_EXEC_NANOS;
    }

    private void workerExited() {
        if (running.decrementAndGet() == 0) {
            completions.shutdown();
        }
    }

    /** The loop of one instance thread. */
    private final class Worker implements Runnable {

        private final int index;
        private final LoadedModel model;
        private final BatchExecutor executor;
        private final Handoff<Batch> inbox;
        private final Thread thread;
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final AtomicBoolean stopSent = new AtomicBoolean();
        /**
         * A moving average of the real time of this instance's executions ({@link #execute}); unknown (the
         * largest value) until the first. Written by whichever thread runs the instance's batch, one at a time.
         */
        private volatile long recentExecNanos = Long.MAX_VALUE;

        Worker(int index, LoadedModel model, BatchExecutor executor, Handoff<Batch> inbox) {
            this.index = index;
            this.model = model;
            this.executor = executor;
            this.inbox = inbox;
            this.thread = threads.newThread("instance-" + label + "-" + index, this);
        }

        /** Once: the thread stops after the batches already in its inbox. */
        void stop() {
            if (stopSent.compareAndSet(false, true)) {
                inbox.put(STOP);
            }
        }

        @Override
        public void run() {
            try {
                Batch batch;
                while ((batch = inbox.take()) != STOP) {
                    runOne(batch);
                }
            } finally {
                closeInstance();
                workerExited();
            }
        }

        private void runOne(Batch batch) {
            busy.incrementAndGet();
            try {
                if (batch.bulk() != null) {
                    runBulk(batch);
                    return;
                }
                long took = execute(batch);
                listener.free(batch);
                if (answersRequests) {
                    answer(batch.requests(), took);
                }
            } finally {
                busy.decrementAndGet();
            }
        }

        /** {@link InstancePool#runHere}: on the caller's thread, answered before the instance is free. */
        void runHere(Batch batch) {
            busy.incrementAndGet();
            try {
                execute(batch);
                for (int i = 0; i < batch.requests().size(); i++) {
                    completer.release(batch.requests().get(i));
                }
            } finally {
                busy.decrementAndGet();
                listener.free(batch);
            }
        }

        /** Runs one batch on the engine; returns the real time it took (not the injected clock: the inline-answer
         * and run-here rules are about what the device and the CPUs do). */
        private long execute(Batch batch) {
            long began = System.nanoTime();
            try {
                executor.execute(batch);
            } catch (RuntimeException | Error e) {
                // a bug rather than an engine failure (those are answers already): keep the instance serving
                LOG.error("{} failed to run a batch", Thread.currentThread().getName(), e);
                InferenceException error = InferenceException.from(e);
                batch.requests().forEach(r -> r.fail(error, FailureReason.OTHER));
            }
            long took = System.nanoTime() - began;
            long recent = recentExecNanos;
            recentExecNanos = recent == Long.MAX_VALUE ? took : recent - (recent >> 2) + (took >> 2);
            long all = modelRecentExecNanos;
            modelRecentExecNanos = all == Long.MAX_VALUE ? took : all - (all >> 2) + (took >> 2);
            return took;
        }

        /**
         * A bulk submission: each part an execution of its own, back to back, then the instance is free, then the
         * parts are answered here (their futures have no dependents but the bulk's, so this is cheap) and the bulk
         * once. A split bulk runs its parts itself ({@link SplitBulk#run}).
         */
        private void runBulk(Batch batch) {
            if (batch.bulk() instanceof SplitBulk split) {
                split.run(executor, completer, () -> listener.free(batch));
                return;
            }
            for (PendingRequest part : batch.requests()) {
                execute(new Batch(batch.instance(), List.of(part), part.rows));
            }
            listener.free(batch);
            batch.requests().forEach(completer::release);
            ((Bulk) batch.bulk()).finish();
        }

        private void answer(List<PendingRequest> requests, long took) {
            if (answersInline(requests.size(), inbox.hasNext(), took)) {
                for (int i = 0; i < requests.size(); i++) {
                    completer.release(requests.get(i));
                }
            } else {
                complete(requests);
            }
        }

        void closeInstance() {
            closeQuietly(model, label + " instance " + index);
            closed.complete(null);
        }
    }
}
