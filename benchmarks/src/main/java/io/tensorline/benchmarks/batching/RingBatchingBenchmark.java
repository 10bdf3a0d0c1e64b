package io.tensorline.benchmarks.batching;

import io.tensorline.engine.DataType;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.config.InstanceGroupSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.config.VersionPolicy;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The dynamic batcher's own cost: ring publish, batch formation on the batcher thread, hand-off to an instance
 * thread, batch assembly, output split and completion, with a fake instance whose "inference" returns at once.
 *
 * <p>{@code pipeline}: {@value #REQUESTS} one-row requests per invocation, spread over {@code producers} threads,
 * all outstanding together, so batches grow up to {@code maxBatch}; the score is nanoseconds per request.
 * {@code loneRequest}: one request at a time on an idle batcher, i.e. the latency of the two thread hand-offs
 * (submitter to batcher thread, batcher to instance thread) plus the completion; {@code scheduler=direct} runs the
 * same on the {@code DirectScheduler} (one hand-off through a blocking queue) for comparison.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RingBatching -f 1 -wi 2 -i 3 -rf json</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class RingBatchingBenchmark {

    static final int REQUESTS = 1024;
    private static final int COLUMNS = 16;

    /** A batcher fed by a pool of producer threads. */
    @State(Scope.Benchmark)
    public static class Pipeline {

        @Param({"1", "4"})
        public int producers;

        @Param({"1", "8", "64"})
        public int maxBatch;

        Scheduler batcher;
        ModelStatsRegistry stats;
        ExecutorService pool;
        InferenceRequest request;

        @Setup(Level.Trial)
        public void start() {
            stats = new ModelStatsRegistry();
            batcher = startBatcher(stats, maxBatch);
            pool = Executors.newFixedThreadPool(producers, r -> {
                Thread t = new Thread(r, "producer");
                t.setDaemon(true);
                return t;
            });
            request = oneRowRequest();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            ModelStatsSnapshot s = stats.get("bench", 1).snapshot();
            System.out.printf("%n[producers=%d maxBatch=%d] %d requests in %d executions (%.1f rows per batch)%n",
                    producers, maxBatch, s.inferenceCount(), s.executionCount(),
                    s.inferenceCount() / (double) Math.max(1, s.executionCount()));
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            batcher.shutdown();
        }
    }

    /** An idle scheduler that sees one request at a time: the batcher, or the direct scheduler for comparison. */
    @State(Scope.Benchmark)
    public static class Idle {

        @Param({"dynamic", "direct"})
        public String scheduler;

        Scheduler batcher;
        InferenceRequest request;

        @Setup(Level.Trial)
        public void start() {
            batcher = scheduler.equals("direct") ? startDirect(new ModelStatsRegistry())
                    : startBatcher(new ModelStatsRegistry(), 8);
            request = oneRowRequest();
        }

        @TearDown(Level.Trial)
        public void stop() {
            batcher.shutdown();
        }
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public Object pipeline(Pipeline p) throws Exception {
        int each = REQUESTS / p.producers;
        List<Future<CompletableFuture<?>[]>> submitted = new ArrayList<>(p.producers);
        for (int i = 0; i < p.producers; i++) {
            submitted.add(p.pool.submit(() -> {
                CompletableFuture<?>[] replies = new CompletableFuture<?>[each];
                for (int r = 0; r < each; r++) {
                    replies[r] = p.batcher.submit(stamped(p.request), 1);
                }
                return replies;
            }));
        }
        Object last = null;
        for (Future<CompletableFuture<?>[]> f : submitted) {
            for (CompletableFuture<?> reply : f.get(30, TimeUnit.SECONDS)) {
                last = reply.get(30, TimeUnit.SECONDS);
            }
        }
        return last;
    }

    @Benchmark
    public Object loneRequest(Idle idle) throws Exception {
        return idle.batcher.submit(stamped(idle.request), 1).get(30, TimeUnit.SECONDS);
    }

    static Scheduler startBatcher(ModelStatsRegistry stats, int maxBatch) {
        DynamicBatchingSpec batching = new DynamicBatchingSpec(List.of(), 0, false, 0, 0, QueuePolicySpec.DEFAULT,
                Map.of());
        return new DefaultSchedulerFactory(stats).create(spec(maxBatch, batching), 1,
                List.of(new ImmediateInstance()));
    }

    static Scheduler startDirect(ModelStatsRegistry stats) {
        return new DefaultSchedulerFactory(stats).create(spec(8, null), 1, List.of(new ImmediateInstance()));
    }

    private static ModelSpec spec(int maxBatch, DynamicBatchingSpec batching) {
        IoSpec in = new IoSpec("INPUT0", DataType.FP32, new long[] {COLUMNS}, null, false);
        IoSpec out = new IoSpec("OUTPUT0", DataType.FP32, new long[] {COLUMNS}, null, false);
        return new ModelSpec("bench", "simulated", "simulated", maxBatch, List.of(in), List.of(out),
                List.of(new InstanceGroupSpec("bench_0", 1, InstanceGroupSpec.Kind.CPU, List.of())), batching,
                new VersionPolicy.Latest(1), "model.simulated", Map.of());
    }

    /** The request as a transport would hand it over: stamped on arrival (queue delays count from the stamp). */
    static InferenceRequest stamped(InferenceRequest r) {
        return new InferenceRequest(r.modelName(), r.modelVersion(), r.id(), r.parameters(), r.inputs(),
                r.requestedOutputs(), System.nanoTime());
    }

    static InferenceRequest oneRowRequest() {
        ByteBuffer data = ByteBuffer.allocate(COLUMNS * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < COLUMNS; i++) {
            data.putFloat(i);
        }
        Tensor input = Tensor.of("INPUT0", DataType.FP32, new long[] {1, COLUMNS}, data.flip());
        return new InferenceRequest("bench", "", "", Map.of(), List.of(input), List.of(), System.nanoTime());
    }

    /** A fake instance that answers at once: its output is its input, renamed (no copy). */
    static final class ImmediateInstance implements LoadedModel {

        @Override
        public List<TensorSpec> inputs() {
            return List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, COLUMNS}));
        }

        @Override
        public List<TensorSpec> outputs() {
            return List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, COLUMNS}));
        }

        @Override
        public List<Tensor> execute(List<Tensor> inputs) {
            return List.of(inputs.get(0).rename("OUTPUT0"));
        }

        @Override
        public void close() {
        }
    }
}
