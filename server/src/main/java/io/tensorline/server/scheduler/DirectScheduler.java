package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Triton's default scheduler: each request runs alone on whichever instance is free, on the shared
 * {@link InstancePool}. There is no scheduler thread: a request that finds an instance idle is handed to it by
 * the submitting thread, and an instance that finishes takes the next waiting request itself. A full queue
 * rejects at once.
 *
 * <p>Threads: submitters and instance threads meet under one lock, {@code this}, which guards the queue, the idle
 * instances and the lifecycle; batches are assigned outside it. A bulk submission ({@link #submitBulk}) goes to one
 * instance as a whole and runs there back to back, so its parts pay one hand-off and one lock round between them. Requests run on their own tensors, so compute
 * input and output are 0 ns.
 */
public final class DirectScheduler implements Scheduler {

    private final String model;
    private final int capacity;
    private final NanoClock clock;
    private final ModelStats stats;
    private final InstancePool pool;
    private final Completer completer;

    // guarded by this
    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();
    /** Bulk submissions waiting for an instance; single requests go first. Each counts as one against capacity. */
    private final ArrayDeque<BulkWork> bulks = new ArrayDeque<>();
    private final ArrayDeque<Integer> idle = new ArrayDeque<>();
    /** Instances serving (idle or busy), those taken out not counted. */
    private int serving;
    /** Instances taken out while busy: they retire once their request is done. */
    private final Set<Integer> leaving = new HashSet<>();
    private boolean shutDown;
    private boolean poolStopped;

    /** As {@link #DirectScheduler(String, List, int, ModelStats)}, with statistics nobody reads. */
    public DirectScheduler(String label, List<LoadedModel> instances, int queueCapacity) {
        this(label, instances, queueCapacity, new ModelStats(label, 0));
    }

    /**
     * Builds and starts the scheduler.
     *
     * @param label         model name and version, for thread names and messages
     * @param instances     one engine session per instance; this scheduler owns and closes them
     * @param queueCapacity how many requests may wait before new ones are rejected
     * @param stats         where requests and executions are recorded
     */
    public DirectScheduler(String label, List<LoadedModel> instances, int queueCapacity, ModelStats stats) {
        this(label, "'" + label + "'", instances, queueCapacity, stats, NanoClock.SYSTEM, 0);
    }

    /**
     * @param label     model name and version for thread names, e.g. {@code simple-1}
     * @param model     the model's name and version as messages show them, e.g. {@code "'simple' version 1"}
     * @param spinNanos how long an idle instance thread spins for its next request before it parks
     */
    DirectScheduler(String label, String model, List<LoadedModel> instances, int queueCapacity, ModelStats stats,
                    NanoClock clock, long spinNanos) {
        this(label, model, instances, queueCapacity, stats, clock, spinNanos, ServerThreads.DEFAULT);
    }

    /** @param threads makes the instance and completer threads (the server's one thread factory) */
    DirectScheduler(String label, String model, List<LoadedModel> instances, int queueCapacity, ModelStats stats,
                    NanoClock clock, long spinNanos, ServerThreads threads) {
        this(label, model, instances, queueCapacity, stats, clock, new SpinPolicy(0, spinNanos), threads);
    }

    /** @param spin the instance threads' spin and when a lone request runs on its submitter's thread */
    DirectScheduler(String label, String model, List<LoadedModel> instances, int queueCapacity, ModelStats stats,
                    NanoClock clock, SpinPolicy spin, ServerThreads threads) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
        }
        this.model = Objects.requireNonNull(model, "model");
        this.capacity = queueCapacity;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.pool = new InstancePool(label, model, instances, stats, clock, ReleaseStrategy.immediate(), spin,
                threads);
        this.completer = pool.completer();
        this.serving = pool.size();
        for (int i = 0; i < serving; i++) {
            idle.addLast(i);
        }
        pool.onFree(this::onFree);
        pool.start();
    }

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();
        PendingRequest r = new PendingRequest(request, batchSize, reply, request.arrivalNanos());
        Integer instance;
        synchronized (this) {
            if (shutDown) {
                instance = null;
            } else if (queue.size() >= capacity) {
                completer.fail(r, queueFull(request.id(), queue.size()), FailureReason.REJECTED);
                return reply;
            } else if ((instance = idle.pollFirst()) == null) {
                queue.addLast(r);
                stats.setPending(queue.size());
                pool.sawLoad();
                return reply;
            }
        }
        if (instance == null) {
            completer.fail(r, unloading(), FailureReason.OTHER);
        } else {
            Batch batch = new Batch(instance, List.of(r), batchSize);
            if (!pool.runHere(batch)) {
                pool.assign(batch);
            }
        }
        return reply;
    }

    /** The requests go to one free instance together, which runs them back to back, each as an execution. */
    @Override
    public CompletableFuture<List<List<Tensor>>> submitBulk(List<InferenceRequest> requests, int[] batchSizes) {
        Bulk bulk = new Bulk(requests, batchSizes);
        if (requests.isEmpty()) {
            bulk.finish();
            return bulk.reply;
        }
        enqueue(bulk, requests.get(0).id());
        return bulk.reply;
    }

    /** The request goes to one free instance, which runs its parts back to back on views of its buffers. */
    @Override
    public CompletableFuture<List<Tensor>> submitSplit(InferenceRequest request, int rows, int partRows) {
        SplitBulk split = new SplitBulk(request, rows, partRows);
        enqueue(split, request.id());
        return split.reply;
    }

    /** To a free instance, else into the queue (one item against its capacity), else rejected. */
    private void enqueue(BulkWork bulk, String id) {
        Integer instance;
        synchronized (this) {
            int waiting = queue.size() + bulks.size();
            if (shutDown) {
                instance = null;
            } else if (waiting >= capacity) {
                bulk.failAll(completer, queueFull(id, waiting), FailureReason.REJECTED);
                return;
            } else if ((instance = idle.pollFirst()) == null) {
                bulks.addLast(bulk);
                return;
            }
        }
        if (instance == null) {
            bulk.failAll(completer, unloading(), FailureReason.OTHER);
        } else {
            pool.assign(new Batch(instance, bulk));
        }
    }

    /** Under the lock: the next work for a free instance, or null; abandoned requests are collected. */
    private Batch nextFor(int instance, List<PendingRequest> abandoned) {
        PendingRequest next;
        while ((next = queue.pollFirst()) != null && next.abandoned()) {
            abandoned.add(next);
        }
        if (next != null) {
            return new Batch(instance, List.of(next), next.rows);
        }
        // a cancelled bulk still goes to the instance, which counts its parts as cancelled without running them
        BulkWork bulk = bulks.pollFirst();
        return bulk == null ? null : new Batch(instance, bulk);
    }

    /** On the instance thread that finished {@code done}: the next waiting request, or the instance goes idle. */
    private void onFree(Batch done) {
        List<PendingRequest> abandoned = new ArrayList<>();
        Batch next = null;
        boolean stop;
        boolean retire;
        synchronized (this) {
            retire = leaving.remove(done.instance());
            if (!retire) {
                next = nextFor(done.instance(), abandoned);
                if (next == null) {
                    idle.addLast(done.instance());
                }
            }
            stats.setPending(queue.size());
            stop = stopIfDone();
        }
        abandoned.forEach(completer::abandoned);
        if (retire) {
            pool.retire(done.instance());
        }
        if (next != null) {
            pool.assign(next);
        }
        if (stop) {
            pool.stopWhenDone();
        }
    }

    /** Instances holding a batch right now ({@link InstancePool#busyNow}); for tests. */
    int busyInstances() {
        return pool.busyNow();
    }

    @Override
    public InPlaceChanges inPlace() {
        return (added, removed, batching) -> change(added, removed);
    }

    /** Added instances take waiting requests at once; removed ones retire when idle (at once, or when done). */
    private CompletableFuture<Void> change(List<LoadedModel> added, List<Integer> removed) {
        synchronized (this) {
            if (shutDown) {
                added.forEach(LoadedModel::close);
                throw new IllegalStateException("model " + model + " is unloading");
            }
        }
        List<Integer> addedIds = pool.add(added);
        List<Integer> removedIds = pool.takeOut(removed);
        List<Batch> assigned = new ArrayList<>();
        List<Integer> retired = new ArrayList<>();
        List<PendingRequest> abandoned = new ArrayList<>();
        synchronized (this) {
            serving += addedIds.size() - removedIds.size();
            for (int id : removedIds) {
                if (idle.remove(id)) {
                    retired.add(id);
                } else {
                    leaving.add(id);
                }
            }
            for (int id : addedIds) {
                Batch next = nextFor(id, abandoned);
                if (next == null) {
                    idle.addLast(id);
                } else {
                    assigned.add(next);
                }
            }
            stats.setPending(queue.size());
        }
        abandoned.forEach(completer::abandoned);
        retired.forEach(pool::retire);
        assigned.forEach(pool::assign);
        return pool.closed(removedIds);
    }

    /** Stops taking requests; those waiting still run, then the instances close. Idempotent; does not wait. */
    @Override
    public void shutdown() {
        boolean stop;
        synchronized (this) {
            shutDown = true;
            stop = stopIfDone();
        }
        if (stop) {
            pool.stopWhenDone();
        }
    }

    /** As {@link #shutdown}, but fails the requests still waiting with UNAVAILABLE. */
    @Override
    public void shutdownNow() {
        List<PendingRequest> waiting;
        List<BulkWork> waitingBulks;
        boolean stop;
        synchronized (this) {
            shutDown = true;
            waiting = new ArrayList<>(queue);
            queue.clear();
            waitingBulks = new ArrayList<>(bulks);
            bulks.clear();
            stats.setPending(0);
            stop = stopIfDone();
        }
        waiting.forEach(r -> completer.fail(r, unloading(), FailureReason.OTHER));
        waitingBulks.forEach(b -> b.failAll(completer, unloading(), FailureReason.OTHER));
        if (stop) {
            pool.stopWhenDone();
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }

    /** Whether a shutdown has finished: see {@link #awaitTermination}. */
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    /** Under the lock: whether the pool is to be stopped now (once): shut down, nothing waits, nothing runs. */
    private boolean stopIfDone() {
        if (shutDown && !poolStopped && queue.isEmpty() && bulks.isEmpty() && idle.size() == serving && leaving.isEmpty()) {
            poolStopped = true;
            return true;
        }
        return false;
    }

    private InferenceException queueFull(String requestId, int waiting) {
        return ErrorTexts.queueFull(requestId, String.format("model %s has %d requests waiting (the queue's "
                + "capacity)", model, waiting));
    }

    private InferenceException unloading() {
        return InferenceException.unavailable("model %s is unloading", model);
    }
}
