package io.tensorline.server.scheduler.ensemble;

import com.google.protobuf.TextFormat;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.ModelConfig;
import io.tensorline.server.config.EnsembleConfig;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.ModelSpecs;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.stats.ComposingTimes;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The ensemble's own statistics over fake composing schedulers that report fixed durations for each step request,
 * as the instance layer does: an ensemble's queue and compute times are the sums over its steps, an ensemble that
 * is a step of another adds its sums to the outer one, and a failed step counts a failure and no execution.
 */
class EnsembleSchedulerTest {

    private static final NanoClock CLOCK = () -> 0;

    /** Answers {@code y = x} and reports queue 1, input 2, infer 3, output 4 ns for each step request it runs. */
    private static final class Identity implements Scheduler {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            runs.incrementAndGet();
            ComposingTimes times = ComposingTimes.in(request.parameters());
            if (times != null) {
                times.add(1, 2, 3, 4);
            }
            return CompletableFuture.completedFuture(List.of(request.inputs().get(0).rename("y")));
        }

        @Override
        public void shutdown() {
        }
    }

    private static final class Failing implements Scheduler {
        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            return CompletableFuture.failedFuture(InferenceException.internal("model 'bad' failed: no"));
        }

        @Override
        public void shutdown() {
        }
    }

    private static ModelSpec spec(String text) throws TextFormat.ParseException {
        ModelConfig config = TextFormat.parse(text, ModelConfig.class);
        ModelSpec spec = ModelSpecs.from(config);
        return EnsembleConfig.isEnsemble(config) ? spec.withEnsemble(EnsembleConfig.spec(config)) : spec;
    }

    private static final String MODEL = "platform: \"onnxruntime_onnx\" max_batch_size: 8 "
            + "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ] "
            + "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] } ]";

    /** An ensemble IN -> step on each of {@code models} in a chain (x -> y) -> OUT. */
    private static ModelSpec chain(String name, String... models) throws TextFormat.ParseException {
        StringBuilder steps = new StringBuilder();
        for (int i = 0; i < models.length; i++) {
            String in = i == 0 ? "IN" : "t" + i;
            String out = i == models.length - 1 ? "OUT" : "t" + (i + 1);
            boolean ensemble = models[i].startsWith("inner");
            steps.append(i == 0 ? "" : ", ").append("{ model_name: \"").append(models[i])
                    .append("\" model_version: -1 input_map { key: \"")
                    .append(ensemble ? "IN" : "x").append("\" value: \"").append(in)
                    .append("\" } output_map { key: \"").append(ensemble ? "OUT" : "y").append("\" value: \"")
                    .append(out).append("\" } }");
        }
        return spec("name: \"" + name + "\" platform: \"ensemble\" max_batch_size: 8 "
                + "input [ { name: \"IN\" data_type: TYPE_FP32 dims: [ 4 ] } ] "
                + "output [ { name: \"OUT\" data_type: TYPE_FP32 dims: [ 4 ] } ] "
                + "ensemble_scheduling { step [ " + steps + " ] }");
    }

    private static InferenceRequest request(String model) {
        Tensor in = Tensor.of("IN", DataType.FP32, new long[] {1, 4}, ByteBuffer.allocate(16));
        return new InferenceRequest(model, "", "r", Map.of(), List.of(in), List.of(), 0);
    }

    @Test
    void anEnsembleOfEnsemblesCountsTheSumsOfEveryStepAtEachLevel() throws Exception {
        ModelSpec m = spec("name: \"m\" " + MODEL);
        Identity identity = new Identity();
        ModelStats innerStats = new ModelStats("inner", 1);
        ModelStats outerStats = new ModelStats("outer", 1);
        ModelSpec innerSpec = chain("inner", "m", "m");
        Scheduler[] inner = new Scheduler[1];
        ComposingModels models = (name, version) -> name.equals("m")
                ? new ComposingModels.Composing(m, "1", identity)
                : new ComposingModels.Composing(innerSpec, "1", inner[0]);
        inner[0] = new EnsembleScheduler(innerSpec, models, innerStats, CLOCK);
        Scheduler outer = new EnsembleScheduler(chain("outer", "inner", "m"), models, outerStats, CLOCK);

        outer.submit(request("outer"), 1).join();

        assertEquals(3, identity.runs.get());
        ModelStatsSnapshot i = innerStats.snapshot();
        assertEquals(List.of(2L, 4L, 6L, 8L), List.of(i.queue().nanos(), i.computeInput().nanos(),
                i.computeInfer().nanos(), i.computeOutput().nanos()), "two steps of 1, 2, 3, 4");
        ModelStatsSnapshot o = outerStats.snapshot();
        assertEquals(List.of(3L, 6L, 9L, 12L), List.of(o.queue().nanos(), o.computeInput().nanos(),
                o.computeInfer().nanos(), o.computeOutput().nanos()), "the inner ensemble's two steps and one more");
        assertEquals(1, o.executionCount());
        assertEquals(1, o.queue().count());
        assertEquals(1, o.success().count());
    }

    @Test
    void aFailedStepCountsAFailureAndNoExecution() throws Exception {
        ModelSpec m = spec("name: \"m\" " + MODEL);
        ModelSpec bad = spec("name: \"bad\" " + MODEL);
        Identity identity = new Identity();
        ComposingModels models = (name, version) -> name.equals("m")
                ? new ComposingModels.Composing(m, "1", identity)
                : new ComposingModels.Composing(bad, "1", new Failing());
        ModelStats stats = new ModelStats("e", 1);
        Scheduler e = new EnsembleScheduler(chain("e", "m", "bad", "m"), models, stats, CLOCK);

        CompletionException failed = assertThrows(CompletionException.class, () -> e.submit(request("e"), 1).join());
        InferenceException cause = assertInstanceOf(InferenceException.class, failed.getCause());
        assertEquals("in ensemble 'e', model 'bad' failed: no", cause.getMessage());
        assertEquals(1, identity.runs.get(), "the step after the failed one never starts");
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(1, s.failure().count());
        assertEquals(0, s.executionCount());
        assertEquals(0, s.success().count());
    }
}
