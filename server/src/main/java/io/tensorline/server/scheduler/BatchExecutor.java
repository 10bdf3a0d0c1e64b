package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.ComposingTimes;
import io.tensorline.server.stats.ExecutionTally;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Runs batches on one instance: assembles the inputs, calls the engine, splits the outputs, and stores each
 * request's outcome in it. One per instance, confined to its thread, together with the {@link LoadedModel} it owns.
 * Every scheduler runs its batches here, so this is the one place that records executions and words engine errors.
 *
 * <p>One bad request does not fail its batch: when the engine fails a batch of several requests, the batch is run
 * again in halves, depth first, and a half that fails is halved again, so that only requests that fail on their
 * own get the engine's error and the others get outputs. The retry is bounded at {@code 2 * ceil(log2(n))} extra
 * executions for a batch of {@code n} requests (what isolating one bad request takes), so a model that fails
 * everything costs at most that much more; requests still unresolved when the bound is reached get the error of
 * the part they were in. Failures that are not the engine's (assembling, splitting) are not retried.
 *
 * <p>A batch of one request runs on that request's own tensors and gets the engine's outputs as they are, with no
 * copy either way.
 */
final class BatchExecutor {

    private final LoadedModel model;
    private final String modelName;
    private final ModelStats stats;
    private final NanoClock clock;
    private final BatchAssembler assembler = new BatchAssembler();
    /** For split bulks ({@link SplitBulk}): made on first use, reused, confined to this executor's thread. */
    private ExecutionTally tally;

    /** @param modelName the model's name and version as messages show them */
    BatchExecutor(LoadedModel model, String modelName, ModelStats stats, NanoClock clock) {
        this.model = model;
        this.modelName = modelName;
        this.stats = stats;
        this.clock = clock;
    }

    void execute(Batch batch) {
        List<PendingRequest> requests = batch.requests();
        long start = clock.nanoTime();
        boolean anyLive = false;
        for (PendingRequest r : requests) {
            stats.recordQueue(start - r.arrivalNanos);
            anyLive |= !r.abandoned();
        }
        if (!anyLive) {
            // every client cancelled while the batch was on its way: releasing them records the cancellations
            failAll(requests, new InferenceException(ErrorCode.CANCELLED, "request cancelled by the client"),
                    FailureReason.CANCELED);
            return;
        }
        InferenceException failed = run(requests, batch.rows(), start);
        if (failed == null) {
            return;
        }
        if (requests.size() == 1) {
            requests.get(0).fail(failed, FailureReason.BACKEND);
        } else {
            retryInParts(requests, failed);
        }
    }

    /**
     * Runs requests as one execution. Returns null when their outcomes are stored (outputs, or a failure that is
     * not the engine's), or the engine's error, with no outcome stored, for the caller to decide.
     */
    private InferenceException run(List<PendingRequest> requests, int rows, long start) {
        List<Tensor> inputs;
        try {
            inputs = requests.size() == 1 ? requests.get(0).request.inputs() : assembler.assemble(requests, rows);
        } catch (RuntimeException e) {
            failAll(requests, InferenceException.from(e), FailureReason.OTHER);
            return null;
        }
        long assembled = clock.nanoTime();
        List<Tensor> outputs;
        try {
            outputs = engine(inputs);
        } catch (InferenceException e) {
            return e;
        }
        long executed = clock.nanoTime();
        try {
            if (requests.size() == 1) {
                requests.get(0).succeed(outputs);
            } else {
                OutputSplitter.split(outputs, requests, rows);
            }
        } catch (RuntimeException e) {
            failAll(requests, InferenceException.from(e), FailureReason.OTHER);
            return null;
        }
        long split = clock.nanoTime();
        stats.recordExecution(rows, requests.size(), assembled - start, executed - assembled, split - executed);
        for (PendingRequest r : requests) {
            ComposingTimes steps = ComposingTimes.in(r.request.parameters()); // an ensemble's step
            if (steps != null) {
                steps.add(start - r.arrivalNanos, assembled - start, executed - assembled, split - executed);
            }
        }
        if (BatchTracing.anyTraced(requests)) {
            BatchTracing.record(requests, rows, start, assembled, executed, split, clock.nanoTime());
        }
        return null;
    }

    /**
     * One engine call on these inputs, with nothing recorded: its outputs, or the engine's error worded as for any
     * request (also for a split bulk's parts, {@link SplitBulk}).
     */
    List<Tensor> engine(List<Tensor> inputs) throws InferenceException {
        try {
            return model.execute(inputs);
        } catch (EngineException e) {
            throw InferenceException.internal("%s", e.getMessage());
        } catch (RuntimeException | Error e) {
            throw InferenceException.internal("model %s failed: %s", modelName,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    /** The model's name and version as messages show them. */
    String modelName() {
        return modelName;
    }

    /** This instance's tally of part executions, committed by whoever fills it before answering. */
    ExecutionTally tally() {
        if (tally == null) {
            tally = stats.tally();
        }
        return tally;
    }

    NanoClock clock() {
        return clock;
    }

    /** A part of a failed batch still to run, with the error of the larger part it came from. */
    private record Part(List<PendingRequest> requests, InferenceException error) {
    }

    private void retryInParts(List<PendingRequest> requests, InferenceException failed) {
        int budget = 2 * ceilLog2(requests.size());
        int executions = 0;
        int rescued = 0;
        int isolated = 0;
        ArrayDeque<Part> parts = new ArrayDeque<>();
        pushHalves(parts, requests, failed);
        Part part;
        while ((part = parts.pollFirst()) != null) {
            if (executions == budget) {
                failAll(part.requests(), part.error(), FailureReason.BACKEND);
                continue;
            }
            executions++;
            InferenceException e = run(part.requests(), rows(part.requests()), clock.nanoTime());
            if (e == null) {
                for (PendingRequest r : part.requests()) {
                    rescued += r.error == null ? 1 : 0;
                }
            } else if (part.requests().size() == 1) {
                part.requests().get(0).fail(e, FailureReason.BACKEND);
                isolated++;
            } else {
                pushHalves(parts, part.requests(), e);
            }
        }
        stats.recordBatchRetry(executions, rescued, isolated);
    }

    /** Pushes both halves on the front of the deque, the first half first to run. */
    private static void pushHalves(ArrayDeque<Part> parts, List<PendingRequest> requests, InferenceException e) {
        int mid = requests.size() / 2;
        parts.addFirst(new Part(requests.subList(mid, requests.size()), e));
        parts.addFirst(new Part(requests.subList(0, mid), e));
    }

    private static int rows(List<PendingRequest> requests) {
        int rows = 0;
        for (PendingRequest r : requests) {
            rows += r.rows;
        }
        return rows;
    }

    private static int ceilLog2(int n) {
        return 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    private static void failAll(List<PendingRequest> requests, InferenceException error, FailureReason reason) {
        for (PendingRequest r : requests) {
            r.fail(error, reason);
        }
    }
}
