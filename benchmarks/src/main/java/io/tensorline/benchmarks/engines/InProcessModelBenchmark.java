package io.tensorline.benchmarks.engines;

import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
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

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A served model's engine alone: the model directory of a repository ({@code config.pbtxt} plus its highest
 * version folder) is loaded the way the server loads one instance of it (same engine, same {@code LoadRequest}:
 * declared tensors, parameters, max batch size and instance count, so the engine sizes its thread pools as it does
 * in the server), and {@code LoadedModel.execute} runs in a loop on one thread with a batch of {@code batch} rows
 * of random data. The score is executions per second; rows per second is the score times {@code batch}. This is the
 * in-process figure the served runs of {@code benchmarks/run-all} are compared with.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar InProcessModel -p modelDir=/abs/repo/resnet50_onnx -p batch=1,8</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class InProcessModelBenchmark {

    /**
     * A model directory inside a repository, relative to the working directory or absolute. The default, the
     * bundled {@code simple}, works from the repository root; run-all passes its assembled bench repository.
     */
    @Param("model-repository/simple")
    public String modelDir;

    /** Rows per execution (the first dimension of every input). */
    @Param({"1", "8"})
    public int batch;

    private LoadedModel model;
    private List<Tensor> inputs;

    @Setup
    public void setUp() throws Exception {
        ServedModel served = ServedModel.open(Path.of(modelDir).toAbsolutePath());
        model = served.load();
        inputs = served.randomInputs(batch, 0L);
        model.execute(inputs); // fail here, with the engine's message, rather than inside the first iteration
    }

    @TearDown
    public void tearDown() {
        if (model != null) {
            model.close();
        }
    }

    @Benchmark
    public List<Tensor> execute() throws Exception {
        return model.execute(inputs);
    }
}
