package io.tensorline.server.scheduler.ensemble;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.EnsembleSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.RequestValidator;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.stats.ComposingTimes;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Runs an ensemble: the request's inputs seed the ensemble tensors, each step is submitted to its composing model's
 * own scheduler (so it is batched there) as soon as every tensor it reads exists, its outputs become new tensors,
 * and the request completes when no step is left. Holds no thread: steps start on the thread that completed the
 * step they waited for. A failing step fails the request with Triton's prefix {@code in ensemble '<e>', } and the
 * step's model named; steps not yet started are not started.
 */
public final class EnsembleScheduler implements Scheduler {

    private final ModelSpec spec;
    private final EnsembleSpec ensemble;
    private final ComposingModels models;
    private final ModelStats stats;
    private final NanoClock clock;
    private volatile boolean stopped;

    public EnsembleScheduler(ModelSpec spec, ComposingModels models, ModelStats stats, NanoClock clock) {
        this.spec = spec;
        this.ensemble = Objects.requireNonNull(spec.ensemble(), "ensemble");
        this.models = models;
        this.stats = stats;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();
        if (stopped) {
            reply.completeExceptionally(InferenceException.unavailable("model '%s' is unloading", spec.name()));
            return reply;
        }
        new Run(request, batchSize, reply).advance();
        return reply;
    }

    @Override
    public void shutdown() {
        stopped = true;
    }

    /** One request's walk through the steps. Its fields are guarded by {@code this}. */
    private final class Run {
        private final InferenceRequest request;
        private final int batchSize;
        private final CompletableFuture<List<Tensor>> reply;
        private final long start;
        /** What the steps' requests waited and computed, summed: the ensemble's own queue and compute times. */
        private final ComposingTimes composing = new ComposingTimes();
        private final Map<String, Object> stepParameters;
        private final Map<String, Tensor> tensors = new HashMap<>();
        private final boolean[] started;
        private int running;
        private boolean failed;

        Run(InferenceRequest request, int batchSize, CompletableFuture<List<Tensor>> reply) {
            this.request = request;
            this.batchSize = batchSize;
            this.reply = reply;
            this.start = request.arrivalNanos();
            this.started = new boolean[ensemble.steps().size()];
            this.stepParameters = composing.carriedBy(request.parameters());
            for (Tensor t : request.inputs()) {
                tensors.put(t.name(), t);
            }
        }

        void advance() {
            List<Integer> ready = new ArrayList<>();
            boolean finished;
            synchronized (this) {
                if (failed || reply.isDone()) {
                    return;
                }
                for (int i = 0; i < started.length; i++) {
                    if (!started[i] && tensors.keySet().containsAll(ensemble.steps().get(i).inputMap().values())) {
                        started[i] = true;
                        ready.add(i);
                    }
                }
                running += ready.size();
                finished = running == 0;
            }
            if (finished) {
                finish();
                return;
            }
            for (int i : ready) {
                launch(ensemble.steps().get(i));
            }
        }

        private void launch(EnsembleSpec.Step step) {
            CompletableFuture<List<Tensor>> outputs;
            ModelSpec composing;
            try {
                ComposingModels.Composing target = models.resolve(step.modelName(), step.modelVersion());
                composing = target.spec();
                List<Tensor> inputs = new ArrayList<>(step.inputMap().size());
                synchronized (this) {
                    step.inputMap().forEach((input, tensor) -> inputs.add(tensors.get(tensor).rename(input)));
                }
                // the ensemble is the composing model's transport: its queue time starts when the step is sent
                InferenceRequest sub = new InferenceRequest(step.modelName(), target.version(), request.id(),
                        stepParameters, inputs, List.of(), clock.nanoTime());
                RequestValidator.Validated v = RequestValidator.validate(composing, sub);
                outputs = target.scheduler().submit(sub.withInputs(v.engineInputs()), v.batchSize());
            } catch (RuntimeException e) {
                stepFailed(step, InferenceException.from(e));
                return;
            }
            ModelSpec ran = composing;
            outputs.whenComplete((out, error) -> {
                if (error != null) {
                    stepFailed(step, InferenceException.from(error));
                } else {
                    stepDone(step, ran, out);
                }
            });
        }

        private void stepDone(EnsembleSpec.Step step, ModelSpec composing, List<Tensor> outputs) {
            synchronized (this) {
                for (Tensor t : outputs) {
                    String tensor = step.outputMap().get(t.name());
                    if (tensor != null && composing.output(t.name()) != null) {
                        tensors.put(tensor, t.rename(tensor));
                    }
                }
                running--;
            }
            advance();
        }

        private void stepFailed(EnsembleSpec.Step step, InferenceException error) {
            synchronized (this) {
                if (failed) {
                    return;
                }
                failed = true;
            }
            String message = error.getMessage();
            String named = message.contains("'" + step.modelName() + "'") ? message
                    : "model '" + step.modelName() + "': " + message;
            fail(new InferenceException(error.code(), "in ensemble '" + spec.name() + "', " + named));
        }

        private void finish() {
            List<Tensor> out = new ArrayList<>(spec.outputs().size());
            synchronized (this) {
                for (IoSpec io : spec.outputs()) {
                    Tensor t = tensors.get(io.name());
                    if (t == null) {
                        fail(InferenceException.internal("in ensemble '%s', unexpected deadlock, at least one output "
                                + "is not set while no more ensemble steps can be made", spec.name()));
                        return;
                    }
                    out.add(t);
                }
            }
            // Triton's ensemble entry: one execution per request, its queue and compute times the sums over the
            // composing models' requests
            stats.recordQueue(composing.queueNanos());
            stats.recordExecution(batchSize, 1, composing.inputNanos(), composing.inferNanos(),
                    composing.outputNanos());
            ComposingTimes outer = ComposingTimes.in(request.parameters());
            if (outer != null) {
                composing.addTo(outer); // this ensemble is a step of another
            }
            long total = clock.nanoTime() - start;
            if (reply.complete(out)) {
                stats.recordSuccess(total);
            } else {
                stats.recordFailure(FailureReason.CANCELED, total);
            }
        }

        private void fail(InferenceException error) {
            boolean ours = reply.completeExceptionally(error);
            stats.recordFailure(ours ? FailureReason.OTHER : FailureReason.CANCELED, clock.nanoTime() - start);
        }
    }
}
