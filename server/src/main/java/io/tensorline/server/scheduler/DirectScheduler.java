package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Triton's default scheduler: each request runs alone on whichever instance is free. One named thread per instance
 * takes from a shared bounded queue; a full queue rejects at once.
 *
 * <p>Threads: the caller's threads only {@code offer}; each instance thread owns its {@link LoadedModel}. Every
 * request is recorded in the model's {@link ModelStats}; compute input and output are 0 ns here, since requests run
 * on their own tensors.
 */
public final class DirectScheduler implements Scheduler {

    private record Job(InferenceRequest request, int batchSize, long arrivalNanos,
                       CompletableFuture<List<Tensor>> reply) {
    }

    private final String label;
    private final BlockingQueue<Job> queue;
    private final List<Thread> threads = new ArrayList<>();
    private final List<LoadedModel> instances;
    private final ModelStats stats;
    private volatile boolean stopped;

    /** As {@link #DirectScheduler(String, List, int, ModelStats)}, with statistics nobody reads. */
    public DirectScheduler(String label, List<LoadedModel> instances, int queueCapacity) {
        this(label, instances, queueCapacity, new ModelStats(label, 0));
    }

    /**
     * @param label         model name and version, for thread names and messages
     * @param instances     one engine session per instance; this scheduler owns and closes them
     * @param queueCapacity how many requests may wait before new ones are rejected
     * @param stats         where requests and executions are recorded
     */
    public DirectScheduler(String label, List<LoadedModel> instances, int queueCapacity, ModelStats stats) {
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("instances: empty (expected: at least one)");
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
        }
        this.label = label;
        this.stats = Objects.requireNonNull(stats, "stats");
        this.instances = List.copyOf(instances);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        for (int i = 0; i < this.instances.size(); i++) {
            LoadedModel model = this.instances.get(i);
            Thread t = new Thread(() -> runInstance(model), "instance-" + label + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();
        long arrival = System.nanoTime();
        if (stopped) {
            reply.completeExceptionally(InferenceException.unavailable("model '%s' is unloading", label));
            stats.recordFailure(FailureReason.OTHER, 0);
            return reply;
        }
        stats.addPending(1);
        if (!queue.offer(new Job(request, batchSize, arrival, reply))) {
            stats.addPending(-1);
            reply.completeExceptionally(ErrorTexts.queueFull(request.id(), String.format(
                    "model '%s' has %d requests waiting (the limit)", label, queue.size())));
            stats.recordFailure(FailureReason.REJECTED, System.nanoTime() - arrival);
            return reply;
        }
        if (stopped) {
            // shutdown may have drained before our offer landed: answer whatever is left
            failWaiting();
        }
        return reply;
    }

    private void runInstance(LoadedModel model) {
        while (!stopped) {
            Job job;
            try {
                job = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (job == null) {
                continue;
            }
            stats.addPending(-1);
            if (job.reply.isDone()) {
                stats.recordFailure(FailureReason.CANCELED, System.nanoTime() - job.arrivalNanos);
                continue;
            }
            run(model, job);
        }
    }

    private void run(LoadedModel model, Job job) {
        long start = System.nanoTime();
        stats.recordQueue(start - job.arrivalNanos);
        List<Tensor> outputs;
        try {
            outputs = model.execute(job.request.inputs());
        } catch (EngineException e) {
            fail(job, InferenceException.internal("%s", e.getMessage()), FailureReason.BACKEND);
            return;
        } catch (RuntimeException | Error e) {
            fail(job, InferenceException.internal("model '%s' failed: %s", label,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), FailureReason.BACKEND);
            return;
        }
        long executed = System.nanoTime();
        stats.recordExecution(job.batchSize, 1, 0, executed - start, 0);
        if (job.reply.complete(outputs)) {
            stats.recordSuccess(System.nanoTime() - job.arrivalNanos);
        } else {
            stats.recordFailure(FailureReason.CANCELED, System.nanoTime() - job.arrivalNanos);
        }
    }

    private void fail(Job job, InferenceException error, FailureReason reason) {
        boolean ours = job.reply.completeExceptionally(error);
        stats.recordFailure(ours ? reason : FailureReason.CANCELED, System.nanoTime() - job.arrivalNanos);
    }

    private void failWaiting() {
        Job job;
        while ((job = queue.poll()) != null) {
            stats.addPending(-1);
            fail(job, InferenceException.unavailable("model '%s' is unloading", label), FailureReason.OTHER);
        }
    }

    @Override
    public void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        failWaiting();
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failWaiting();
        instances.forEach(LoadedModel::close);
    }
}
