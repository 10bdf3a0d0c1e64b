package io.tensorline.engine.tensorflow;

import com.sun.management.OperatingSystemMXBean;
import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Prints the in-process cost of one call on the example mlp SavedModel for several batch sizes: {@link
 * LoadedModel#execute} (the engine: checks, copies in and out, {@code Session.run}), and for comparison a bare TF
 * Java {@code Session.run} on a tensor made once. Wall time per call, and process CPU time per call, which a busy
 * machine disturbs less. Not a test: timings depend on the machine.
 *
 * <p>Usage: {@code MeasureCallCost [seconds per case] [mlp_savedmodel/1/model.savedmodel]}
 */
public final class MeasureCallCost {

    private static final String DEFAULT_SAVED_MODEL = "../../model-repository/mlp_savedmodel/1/model.savedmodel";
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private MeasureCallCost() {
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        Path savedModel = Path.of(args.length > 1 ? args[1] : DEFAULT_SAVED_MODEL);
        Map<String, String> parameters = Map.of("TF_NUM_INTRA_THREADS", "1", "TF_NUM_INTER_THREADS", "1");
        LoadRequest request = new LoadRequest("mlp_savedmodel", 1, savedModel, Device.CPU, parameters, List.of(),
                List.of(), -1, 1);
        SessionSettings settings = SessionSettings.from(request, 1, false);
        System.out.printf("%-6s %-8s %10s %12s %12s%n", "batch", "path", "calls", "wall us", "cpu us");
        try (LoadedModel model = new TensorFlowEngineProvider().load(request);
             SavedModelBundle bare = SavedModelBundle.loader(savedModel.toString()).withTags("serve")
                     .withConfigProto(settings.toConfigProto()).load()) {
            Output<?> x = bare.graph().output("INPUT0:0");
            Output<?> y = bare.graph().output("OUTPUT0:0");
            for (int batch : new int[] {1, 8, 64, 512}) {
                float[] values = new float[batch * 4];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (i % 7) - 3;
                }
                List<Tensor> inputs = List.of(TestModels.fp32("INPUT0", new long[] {batch, 4}, values));
                measure(batch, "engine", seconds, () -> model.execute(inputs));
                try (TFloat32 tensor = TFloat32.tensorOf(Shape.of(batch, 4), DataBuffers.of(values))) {
                    measure(batch, "bare TF", seconds, () -> {
                        try (Result r = bare.session().runner().feed(x, tensor).fetch(y).run()) {
                            r.size();
                        }
                    });
                }
            }
        }
    }

    private static void measure(int batch, String path, double seconds, Call call) throws Exception {
        long warmUpEnd = System.nanoTime() + (long) (seconds * 0.3e9);
        while (System.nanoTime() < warmUpEnd) {
            call.run();
        }
        long calls = 0;
        long cpuStart = OS.getProcessCpuTime();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long now;
        do {
            for (int i = 0; i < 50; i++) {
                call.run();
            }
            calls += 50;
            now = System.nanoTime();
        } while (now < deadline);
        long cpu = OS.getProcessCpuTime() - cpuStart;
        System.out.printf("%-6d %-8s %10d %12.1f %12.1f%n", batch, path, calls, (now - start) / 1e3 / calls,
                cpu / 1e3 / calls);
    }
}
