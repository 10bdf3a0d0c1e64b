package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Triton's default scheduler: each request runs alone on whichever instance is free. One named thread per instance
 * takes from a shared bounded queue; a full queue rejects at once.
 *
 * <p>Threads: the caller's threads only {@code offer}; each instance thread owns its {@link LoadedModel}.
 */
public final class DirectScheduler implements Scheduler {

    private record Job(InferenceRequest request, CompletableFuture<List<Tensor>> reply) {
    }

    private final String label;
    private final BlockingQueue<Job> queue;
    private final List<Thread> threads = new ArrayList<>();
    private final List<LoadedModel> instances;
    private volatile boolean stopped;

    /**
     * @param label         model name and version, for thread names and messages
     * @param instances     one engine session per instance; this scheduler owns and closes them
     * @param queueCapacity how many requests may wait before new ones are rejected
     */
    public DirectScheduler(String label, List<LoadedModel> instances, int queueCapacity) {
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("instances: empty (expected: at least one)");
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
        }
        this.label = label;
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
        if (stopped) {
            reply.completeExceptionally(InferenceException.unavailable("model '%s' is unloading", label));
            return reply;
        }
        if (!queue.offer(new Job(request, reply))) {
            reply.completeExceptionally(InferenceException.unavailable(
                    "model '%s': request queue is full (%d waiting, the limit)", label, queue.size()));
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
            if (job == null || job.reply.isDone()) {
                continue;
            }
            run(model, job);
        }
    }

    private void run(LoadedModel model, Job job) {
        try {
            job.reply.complete(model.execute(job.request.inputs()));
        } catch (EngineException e) {
            job.reply.completeExceptionally(InferenceException.internal("%s", e.getMessage()));
        } catch (RuntimeException | Error e) {
            job.reply.completeExceptionally(InferenceException.internal("model '%s' failed: %s", label,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private void failWaiting() {
        Job job;
        while ((job = queue.poll()) != null) {
            job.reply.completeExceptionally(InferenceException.unavailable("model '%s' is unloading", label));
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
