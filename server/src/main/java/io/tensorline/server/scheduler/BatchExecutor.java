package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.util.List;

/**
 * Runs batches on one instance: assembles the inputs, calls the engine, splits the outputs, and stores each
 * request's outcome in it. A failure fails only that batch's requests; the instance goes on serving. One per
 * instance, confined to its thread, together with the {@link LoadedModel} it owns.
 *
 * <p>A batch of one request runs on that request's own tensors and gets the engine's outputs as they are, with no
 * copy either way (the same contract as {@link DirectScheduler}).
 */
final class BatchExecutor {

    private final LoadedModel model;
    private final String modelName;
    private final ModelStats stats;
    private final NanoClock clock;
    private final BatchAssembler assembler = new BatchAssembler();

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
        for (PendingRequest r : requests) {
            stats.recordQueue(start - r.arrivalNanos);
        }
        List<Tensor> inputs;
        try {
            inputs = requests.size() == 1 ? requests.get(0).request.inputs()
                    : assembler.assemble(requests, batch.rows());
        } catch (RuntimeException e) {
            failAll(requests, InferenceException.from(e), FailureReason.OTHER);
            return;
        }
        long assembled = clock.nanoTime();
        List<Tensor> outputs;
        try {
            outputs = model.execute(inputs);
        } catch (EngineException e) {
            failAll(requests, InferenceException.internal("%s", e.getMessage()), FailureReason.BACKEND);
            return;
        } catch (RuntimeException | Error e) {
            failAll(requests, InferenceException.internal("model %s failed: %s", modelName,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), FailureReason.BACKEND);
            return;
        }
        long executed = clock.nanoTime();
        try {
            if (requests.size() == 1) {
                requests.get(0).succeed(outputs);
            } else {
                OutputSplitter.split(outputs, requests, batch.rows());
            }
        } catch (RuntimeException e) {
            failAll(requests, InferenceException.from(e), FailureReason.OTHER);
            return;
        }
        long split = clock.nanoTime();
        stats.recordExecution(batch.rows(), requests.size(), assembled - start, executed - assembled,
                split - executed);
    }

    private static void failAll(List<PendingRequest> requests, InferenceException error, FailureReason reason) {
        for (PendingRequest r : requests) {
            r.fail(error, reason);
        }
    }
}
