package io.tensorline.benchmarks.core;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.trace.RequestTrace;
import io.tensorline.server.trace.RequestTracing;
import io.tensorline.server.trace.TraceConfigParser;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What sits between the transport's decode and the engine call: {@link InferenceServer#infer} (resolve, validate,
 * schedule, hand-off to the instance thread, complete, select outputs), on the simulated device with no delay, so
 * the engine costs nothing. {@code direct}: Triton's default scheduler; {@code batching}: the dynamic batcher's ring.
 * {@code tracing}: {@code off} is the default server (every trace level OFF: the request path pays a volatile read
 * and null checks); {@code sampled} traces every request (spans recorded by the OpenTelemetry SDK and handed to an
 * exporter that drops them, so the export itself is left out). {@code traceCheck}: the sampling decision alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ServerPathBenchmark {

    @Param({"direct", "batching"})
    public String scheduler;

    @Param({"off", "sampled"})
    public String tracing;

    private Path repository;
    private RepositoryModelRegistry registry;
    private InferenceServer server;
    private List<Tensor> inputs;
    private RequestTracing requestTracing;

    @Setup
    public void setUp() throws IOException {
        repository = Files.createTempDirectory("tensorline-bench");
        Path model = repository.resolve("zero");
        Files.createDirectories(model.resolve("1"));
        Files.createFile(model.resolve("1/model.simulated"));
        Files.writeString(model.resolve("config.pbtxt"), """
                backend: "simulated"
                max_batch_size: 8
                input [{ name: "INPUT0" data_type: TYPE_FP32 dims: [16] }]
                output [{ name: "OUTPUT0" data_type: TYPE_FP32 dims: [16] }]
                instance_group [{ count: 1 kind: KIND_CPU }]
                parameters [{ key: "execute_delay_us" value: { string_value: "0" } }]
                """ + (scheduler.equals("batching") ? "dynamic_batching { }\n" : ""));
        ModelStatsRegistry stats = new ModelStatsRegistry();
        registry = RepositoryModelRegistry.load(repository, RepositoryModelRegistry.Options.defaults(),
                EngineRegistry.fromClassPath(), new DefaultSchedulerFactory(stats));
        if (!registry.loadFailures().isEmpty()) {
            throw new IllegalStateException(registry.loadFailures().toString());
        }
        server = new InferenceServer(registry, new ServerInfo("bench", "0", List.of()), stats);
        if (tracing.equals("sampled")) {
            requestTracing = new RequestTracing(TraceConfigParser.parse(List.of("level=TIMESTAMPS", "rate=1")),
                    () -> SimpleSpanProcessor.create(SpanExporter.composite()));
            server.withTracing(requestTracing);
        }
        Tensor input = Tensor.of("INPUT0", DataType.FP32, new long[] {1, 16}, ByteBuffer.allocate(64));
        inputs = List.of(input);
    }

    @TearDown
    public void tearDown() throws IOException {
        registry.close();
        if (requestTracing != null) {
            requestTracing.close();
        }
        try (Stream<Path> files = Files.walk(repository)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public InferenceResponse inferOneRequest() {
        // a transport builds each request with its arrival stamp: queue time runs from it
        return server.infer(new InferenceRequest("zero", "", "", Map.of(), inputs, List.of(), System.nanoTime())).join();
    }

    /** The sampling decision alone: with tracing off, what an untraced request pays in the core (a null). */
    @Benchmark
    public RequestTrace traceCheck() {
        RequestTrace t = server.tracing().start("zero", null);
        if (t != null) {
            t.finish(null, null);
        }
        return t;
    }
}
