package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
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
 * hand-off would only add a wake-up to the round trip). Schedulers decide what runs where; this class decides
 * nothing.
 *
 * <p>Threads: {@code instance-<label>-<n>} owns its {@link LoadedModel} and closes it when it stops;
 * {@code completer-<label>} answers requests handed off to it, in the order they were handed off. This class
 * creates them in {@link #start} and they exit after {@link #stopWhenDone}; {@link #awaitTermination} waits for
 * the last of them.
 */
final class InstancePool {

    /** Called on the instance thread when a batch's outcomes are decided; may assign the next batch at once. */
    @FunctionalInterface
    interface FreeListener {
        void free(Batch done);
    }

    private static final Logger LOG = LoggerFactory.getLogger(InstancePool.class);
    private static final Batch STOP = new Batch(-1, List.of(), 0);

    private final String label;
    private final Completer completer;
    private final boolean answersRequests;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
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
     * @param spinNanos  how long an idle instance thread spins for its next batch before it parks
     */
    InstancePool(String label, String model, List<LoadedModel> instances, ModelStats stats, NanoClock clock,
                 ReleaseStrategy release, long spinNanos) {
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("instances: empty (expected: at least one)");
        }
        this.label = label;
        this.completer = new Completer(stats, clock);
        this.answersRequests = release.answersOnInstance();
        for (int i = 0; i < instances.size(); i++) {
            Worker w = new Worker(i, instances.get(i), new BatchExecutor(instances.get(i), model, stats, clock),
                    new Handoff<>(spinNanos));
            workers.add(w);
            Thread t = new Thread(w, "instance-" + label + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        this.completions = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "completer-" + label);
            t.setDaemon(true);
            return t;
        }) {
            @Override
            protected void terminated() {
                InstancePool.this.terminated.countDown();
            }
        };
    }

    int size() {
        return workers.size();
    }

    Completer completer() {
        return completer;
    }

    /** Set before {@link #start}: who hears that an instance is free. */
    void onFree(FreeListener l) {
        this.listener = l;
    }

    void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        running.set(threads.size());
        threads.forEach(Thread::start);
    }

    /** Gives a batch to the idle instance it names. Any thread; never blocks. */
    void assign(Batch batch) {
        workers.get(batch.instance()).inbox.put(batch);
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
    void stopWhenDone() {
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
        workers.forEach(w -> w.inbox.put(STOP));
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    boolean isTerminated() {
        return terminated.getCount() == 0;
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

        Worker(int index, LoadedModel model, BatchExecutor executor, Handoff<Batch> inbox) {
            this.index = index;
            this.model = model;
            this.executor = executor;
            this.inbox = inbox;
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
            try {
                executor.execute(batch);
            } catch (RuntimeException | Error e) {
                // a bug rather than an engine failure (those are answers already): keep the instance serving
                LOG.error("{} failed to run a batch", Thread.currentThread().getName(), e);
                InferenceException error = InferenceException.from(e);
                batch.requests().forEach(r -> r.fail(error, FailureReason.OTHER));
            }
            listener.free(batch);
            if (answersRequests) {
                answer(batch.requests());
            }
        }

        private void answer(List<PendingRequest> requests) {
            if (requests.size() == 1 && !inbox.hasNext()) {
                completer.release(requests.get(0));
            } else {
                complete(requests);
            }
        }

        void closeInstance() {
            try {
                model.close();
            } catch (RuntimeException e) {
                LOG.warn("closing instance {} of {} failed", index, label, e);
            }
        }
    }
}
