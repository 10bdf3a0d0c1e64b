package io.tensorline.server.scheduler;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Triton's dynamic batcher on an LMAX Disruptor ring, for one model version.
 *
 * <p>Threads: transport threads call {@link #submit}, which only publishes on the multi-producer ring
 * ({@code tryPublishEvent}: a full ring fails the future at once, nothing blocks). One consumer thread,
 * {@code batcher-<model>-<version>}, owns the {@link BatcherCore} and with it all batching state; it reacts to
 * requests, to instances reporting a finished batch (they publish on the same ring), and to deadlines (through
 * {@link DeadlineWaitStrategy}). One thread per instance, {@code instance-<model>-<version>-<n>}, owns its
 * {@link LoadedModel} and runs the batches it is given. This class creates all of these threads and stops them in
 * {@link #shutdown}.
 */
public final class DynamicBatcher implements Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);
    private static final long SHUTDOWN_WAIT_SECONDS = 30;

    private final String label;
    private final String model;
    private final NanoClock clock;
    private final int ringSize;
    private final RingBuffer<RingEvent> ring;
    private final BatchEventProcessor<RingEvent> processor;
    private final BatcherCore core;
    private final Completer completer;
    private final List<LoadedModel> instances;
    private final List<InstanceWorker> workers = new ArrayList<>();
    private final List<Thread> workerThreads = new ArrayList<>();
    private final Thread batcherThread;
    private final Object lifecycle = new Object();
    /** Set first thing in shutdown; submitters check it before and after publishing. */
    private volatile boolean stopping;
    /** Set once the batcher thread has exited and the ring has been drained: nobody consumes any more. */
    private volatile boolean drained;
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
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(stats, "stats");
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("instances: empty (expected: at least one)");
        }
        if (ringSize < 1 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize: " + ringSize + " (expected: a power of two)");
        }
        this.label = modelName + "-" + version;
        this.model = "'" + modelName + "' version " + version;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ringSize = ringSize;
        this.instances = List.copyOf(instances);
        this.completer = new Completer(stats, clock);
        DeadlineWaitStrategy waitStrategy = new DeadlineWaitStrategy(clock);
        this.ring = RingBuffer.createMultiProducer(RingEvent::new, ringSize, waitStrategy);
        for (int i = 0; i < this.instances.size(); i++) {
            BatchExecutor executor = new BatchExecutor(this.instances.get(i), model, stats, clock);
            InstanceWorker worker = new InstanceWorker(executor, completer, !policy.preserveOrdering(),
                    batch -> ring.publishEvent(RingEvent.BATCH_DONE, batch));
            workers.add(worker);
            workerThreads.add(new Thread(worker, "instance-" + label + "-" + i));
        }
        this.core = new BatcherCore(policy, model, this.instances.size(), b -> workers.get(b.instance()).assign(b),
                completer, stats);
        waitStrategy.deadlines(core::nextDeadline);
        this.processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), new Handler());
        processor.setExceptionHandler(new LoggingExceptionHandler());
        ring.addGatingSequences(processor.getSequence());
        this.batcherThread = new Thread(processor, "batcher-" + label);
    }

    /** Builds a batcher for a model's {@code dynamic_batching} policy and starts its threads. */
    static DynamicBatcher start(String modelName, long version, BatchingPolicy policy, List<LoadedModel> instances,
                                ModelStats stats, NanoClock clock, int ringSize) {
        DynamicBatcher batcher = new DynamicBatcher(modelName, version, policy, instances, stats, clock, ringSize);
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
            workerThreads.forEach(t -> {
                t.setDaemon(true);
                t.start();
            });
            batcherThread.setDaemon(true);
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
        PendingRequest pending = new PendingRequest(request, batchSize, reply, clock.nanoTime());
        if (!ring.tryPublishEvent(RingEvent.REQUEST, pending)) {
            completer.fail(pending, ErrorTexts.queueFull(request.id(), String.format("the batcher ring of "
                    + "model %s is full (%d slots)", model, ringSize)), FailureReason.REJECTED);
            return reply;
        }
        if (drained) {
            // published after the ring's last reader left: nobody else will answer it
            completer.fail(pending, unloading(), FailureReason.OTHER);
        }
        return reply;
    }

    /**
     * Stops taking requests and fails those waiting with UNAVAILABLE; batches already running finish and are
     * answered. Then stops the instance threads, the batcher thread, and closes the instances. Idempotent; waits
     * up to 30 s for each thread.
     */
    @Override
    public void shutdown() {
        synchronized (lifecycle) {
            if (shutDown) {
                return;
            }
            shutDown = true;
            stopping = true;
            if (started) {
                stopThreads();
            }
            drain();
            closeInstances();
        }
    }

    private void stopThreads() {
        CountDownLatch closed = new CountDownLatch(1);
        ring.publishEvent(RingEvent.SHUTDOWN, closed);
        await(closed);
        workers.forEach(InstanceWorker::stop);
        workerThreads.forEach(DynamicBatcher::join);
        processor.halt();
        join(batcherThread);
    }

    /**
     * Runs the events left on the ring through the closed core on this thread (the batcher thread has exited):
     * requests fail, finished batches are answered. Then fails whatever a stuck instance still holds.
     */
    private void drain() {
        if (batcherThread.isAlive()) {
            LOG.error("batcher-{} did not stop; requests it holds stay unanswered", label);
            return;
        }
        core.shutdown();
        drained = true;
        // Dekker with submit(): it claims a slot, then reads `drained`; we write `drained`, then read the cursor.
        // So a submitter that read false claimed its slot before our read and its event is drained below.
        VarHandle.fullFence();
        long cursor = ring.getCursor();
        for (long seq = processor.getSequence().get() + 1; seq <= cursor; seq++) {
            while (!ring.isAvailable(seq)) {
                Thread.onSpinWait();
            }
            RingEvent e = ring.get(seq);
            switch (e.kind) {
                case REQUEST -> core.onRequest(e.request);
                case BATCH_DONE -> core.onBatchDone(e.batch);
                case SHUTDOWN -> e.shutdownAck.countDown();
            }
            e.clear();
        }
        processor.getSequence().set(cursor);
        core.failUnfinished();
    }

    private void closeInstances() {
        for (int i = 0; i < instances.size(); i++) {
            if (workerThreads.get(i).isAlive()) {
                LOG.error("{} did not stop; its instance stays open", workerThreads.get(i).getName());
                continue;
            }
            try {
                instances.get(i).close();
            } catch (RuntimeException e) {
                LOG.warn("closing instance {} of model {} failed", i, model, e);
            }
        }
    }

    private InferenceException unloading() {
        return InferenceException.unavailable("model %s is unloading", model);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.error("the batcher did not acknowledge shutdown within {} s", SHUTDOWN_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(SHUTDOWN_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs on the batcher thread: feeds ring events to the core and steps it after each run of events. */
    private final class Handler implements EventHandler<RingEvent> {

        @Override
        public void onEvent(RingEvent e, long sequence, boolean endOfBatch) {
            try {
                switch (e.kind) {
                    case REQUEST -> core.onRequest(e.request);
                    case BATCH_DONE -> core.onBatchDone(e.batch);
                    case SHUTDOWN -> {
                        core.shutdown();
                        e.shutdownAck.countDown();
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
                core.step(clock.nanoTime());
            }
        }

        @Override
        public void onTimeout(long sequence) {
            core.step(clock.nanoTime());
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
