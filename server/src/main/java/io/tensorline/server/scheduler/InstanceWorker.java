package io.tensorline.server.scheduler;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The loop of one instance thread: take the batch the batcher assigned, run it, answer its requests (unless the
 * batcher must release them in arrival order), and report back. The batcher only assigns a batch to an idle
 * instance, so the inbox holds at most one batch, plus the stop signal at shutdown.
 */
final class InstanceWorker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceWorker.class);
    private static final Batch STOP = new Batch(-1, List.of(), 0);

    private final BatchExecutor executor;
    private final Completer completer;
    private final boolean answerHere;
    private final Consumer<Batch> done;
    private final LinkedBlockingQueue<Batch> inbox = new LinkedBlockingQueue<>();

    /**
     * @param answerHere whether this thread completes the requests' futures (false with preserve_ordering, where
     *                   the batcher releases them in order)
     * @param done       reports a finished batch to the batcher (publishes it on the ring)
     */
    InstanceWorker(BatchExecutor executor, Completer completer, boolean answerHere, Consumer<Batch> done) {
        this.executor = executor;
        this.completer = completer;
        this.answerHere = answerHere;
        this.done = done;
    }

    /** Called by the batcher thread; never blocks (the inbox is unbounded and holds at most one batch). */
    void assign(Batch batch) {
        inbox.add(batch);
    }

    /** Asks the thread to exit once the batch it holds, if any, is done. */
    void stop() {
        inbox.add(STOP);
    }

    @Override
    public void run() {
        while (true) {
            Batch batch;
            try {
                batch = inbox.take();
            } catch (InterruptedException e) {
                LOG.warn("{} interrupted; it stops taking batches", Thread.currentThread().getName());
                return;
            }
            if (batch == STOP) {
                return;
            }
            try {
                executor.execute(batch);
            } catch (RuntimeException | Error e) {
                // a bug rather than an engine failure (those are answers already): keep the instance serving
                LOG.error("{} failed to run a batch", Thread.currentThread().getName(), e);
                InferenceException error = InferenceException.from(e);
                batch.requests().forEach(r -> r.fail(error, FailureReason.OTHER));
            }
            if (answerHere) {
                for (PendingRequest r : batch.requests()) {
                    completer.release(r);
                }
            }
            done.accept(batch);
        }
    }
}
