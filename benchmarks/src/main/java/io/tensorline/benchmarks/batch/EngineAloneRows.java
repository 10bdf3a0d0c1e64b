package io.tensorline.benchmarks.batch;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

/**
 * The ceiling for {@code tensorline batch} on the bundled mlp: the ONNX Runtime engine alone, called in a loop at
 * the same batch size by as many threads as the server has instances (each thread its own session with one intra-op
 * thread, as the server loads them), over pre-built inputs, no files, no server. Prints rows/s.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.batch.EngineAloneRows ROWS BATCH THREADS [WARMUP]</pre>
 *
 * <p>WARMUP rows (default 50,000) run before the clock starts, so the figure is the warmed-up engine's; with 0 the
 * clock starts at the first call, in a fresh JVM, which is how {@code tensorline batch} counts its rows/s (from its
 * first batch, with the JIT compiling the reader, the server path and the writer on the way).
 */
public final class EngineAloneRows {

    private EngineAloneRows() {
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        long warmup = args.length > 3 ? Long.parseLong(args[3]) : 50_000;
        Path file = Path.of(System.getProperty("tensorline.repository", "model-repository"), "mlp/1/model.onnx");
        EngineProvider engine = ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.backend().equals("onnxruntime")).findFirst().orElseThrow();
        List<LoadedModel> models = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            models.add(engine.load(new LoadRequest("mlp", 1, file, Device.CPU, Map.of("intra_op_thread_count", "1"),
                    List.of(), List.of(), batch, threads)));
        }
        List<List<Tensor>> inputs = new ArrayList<>();
        Random random = new Random(0);
        for (int i = 0; i < 256; i++) {
            ByteBuffer data = ByteBuffer.allocate(batch * 4 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (data.hasRemaining()) {
                data.putFloat((float) random.nextGaussian());
            }
            inputs.add(List.of(Tensor.of("INPUT0", DataType.FP32, new long[] {batch, 4}, data.flip())));
        }
        // warm up (unless 0), then the measured run
        if (warmup > 0) {
            run(models, inputs, Math.min(rows, warmup), batch);
        }
        long t0 = System.nanoTime();
        run(models, inputs, rows, batch);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "engine alone (onnxruntime, mlp): %,d rows, batch %d, %d thread(s), %s: %.2f s, %,.0f rows/s%n",
                rows, batch, threads, warmup > 0 ? String.format(Locale.ROOT, "after %,d warm-up rows", warmup)
                        : "counted from its first call", secs, rows / secs);
        for (LoadedModel m : models) {
            m.close();
        }
    }

    private static void run(List<LoadedModel> models, List<List<Tensor>> inputs, long rows, int batch)
            throws InterruptedException {
        long calls = (rows + batch - 1) / batch;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < models.size(); t++) {
            LoadedModel model = models.get(t);
            long mine = calls / models.size() + (t < calls % models.size() ? 1 : 0);
            int offset = t;
            Thread w = new Thread(() -> {
                double sink = 0;
                try {
                    for (long c = 0; c < mine; c++) {
                        List<Tensor> out = model.execute(inputs.get((int) ((c + offset) & 255)));
                        sink += out.get(0).data().getFloat(0);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                if (sink == 42.4242) {
                    System.out.println(sink);
                }
            }, "engine-alone-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
    }
}
