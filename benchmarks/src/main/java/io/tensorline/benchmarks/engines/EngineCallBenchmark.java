package io.tensorline.benchmarks.engines;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * One engine call, in process, on the example mlp (Linear(4,16), ReLU, Linear(16,3)): {@code onnxruntime} runs
 * {@code mlp/1/model.onnx}, {@code pytorch} runs {@code mlp_torchscript/1/model.pt} (same weights). With a model
 * this small the figure is the engine's own cost per call: buffers in, native call, buffers out. Engines are found
 * with ServiceLoader, as the server finds them; one thread, one instance, intra-op threads 1.
 *
 * <p>Run from the repository root ({@code -Dtensorline.repository} points elsewhere).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class EngineCallBenchmark {

    @Param({"onnxruntime", "pytorch"})
    public String backend;

    @Param({"1", "8"})
    public int rows;

    private LoadedModel model;
    private List<Tensor> inputs;

    @Setup
    public void setUp() throws Exception {
        Path repository = Path.of(System.getProperty("tensorline.repository", "model-repository"));
        EngineProvider engine = ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.backend().equals(backend)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no engine for backend " + backend));
        boolean torch = backend.equals("pytorch");
        String input = torch ? "INPUT__0" : "INPUT0";
        // TorchScript needs its tensors declared, as its config.pbtxt does; ONNX Runtime reads them from the model.
        List<TensorSpec> in = torch ? List.of(new TensorSpec(input, DataType.FP32, new long[] {-1, 4})) : List.of();
        List<TensorSpec> out = torch ? List.of(new TensorSpec("OUTPUT__0", DataType.FP32, new long[] {-1, 3}))
                : List.of();
        Path file = repository.resolve(torch ? "mlp_torchscript/1/model.pt" : "mlp/1/model.onnx");
        Map<String, String> threads = torch ? Map.of("INTRA_OP_THREAD_COUNT", "1")
                : Map.of("intra_op_thread_count", "1");
        model = engine.load(new LoadRequest("mlp", 1, file, Device.CPU, threads, in, out, 8, 1));

        ByteBuffer data = ByteBuffer.allocate(rows * 4 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(0);
        while (data.hasRemaining()) {
            data.putFloat((float) random.nextGaussian());
        }
        inputs = List.of(Tensor.of(input, DataType.FP32, new long[] {rows, 4}, data.flip()));
    }

    @TearDown
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public List<Tensor> execute() throws Exception {
        return model.execute(inputs);
    }
}
