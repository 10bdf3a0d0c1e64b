package io.tensorline.benchmarks.engines;

import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * The in-process side of {@code benchmarks/served-engine}: a served model's engine alone, loaded as
 * {@link InProcessModelBenchmark} loads it (the server's {@code LoadRequest}, so the same intra-op thread count),
 * called in a loop on one thread for a fixed time after a warm-up, with latency per call as well as throughput
 * (JMH's throughput mode gives no percentiles, and its forks cost more start-up than a short run can spare).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.engines.EngineLoop \
 *     MODEL_DIR BATCH [WARMUP_SECONDS [SECONDS [GAP_US[:park|spin]]]]</pre>
 *
 * BATCH is a row count, or {@code LO-HI}: each call then takes a batch size drawn uniformly from that range (seeded),
 * as a dynamic batcher forms them, to show what changing shapes cost the engine. GAP_US (default 0) waits that long
 * between calls, outside the measured call, parked (the default, as a served instance waits for its next batch) or
 * spinning: it separates what an idle gap before a call costs the engine (caches, the core's wake-up) from what the
 * server does around it. Prints one line:
 * {@code calls=N rows/s=R mean_ms=M p50_ms=P p99_ms=Q mean_batch=B}.
 */
public final class EngineLoop {

    private EngineLoop() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 5) {
            System.err.println("usage: EngineLoop MODEL_DIR BATCH [WARMUP_SECONDS [SECONDS [GAP_US[:park|spin]]]] "
                    + "(defaults 3, 5 and 0)");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        String[] range = args[1].split("-", 2);
        int lo = Integer.parseInt(range[0]);
        int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
        double warmup = args.length > 2 ? Double.parseDouble(args[2]) : 3;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 5;
        String[] gap = (args.length > 4 ? args[4] : "0").split(":", 2);
        long gapNanos = Long.parseLong(gap[0]) * 1000;
        boolean spin = gap.length > 1 && gap[1].equals("spin");
        if (gap.length > 1 && !spin && !gap[1].equals("park")) {
            System.err.println("EngineLoop: gap '" + args[4] + "' (expected: GAP_US, GAP_US:park or GAP_US:spin)");
            System.exit(2);
        }
        ServedModel served = ServedModel.open(dir);
        try (LoadedModel model = served.load()) {
            List<List<Tensor>> inputs = new ArrayList<>();
            for (int b = lo; b <= hi; b++) {
                inputs.add(served.randomInputs(b, b));
            }
            Result r = run(model, inputs, warmup, seconds, gapNanos, spin);
            System.out.println(r.line());
        }
    }

    /**
     * Calls {@code model} for {@code warmup} seconds, then measures for {@code seconds} (at least 3 calls); each call
     * takes one of {@code inputs} at random (seeded).
     */
    static Result run(LoadedModel model, List<List<Tensor>> inputs, double warmup, double seconds) throws Exception {
        return run(model, inputs, warmup, seconds, 0, false);
    }

    /** As above, waiting {@code gapNanos} between calls (parked, or spinning), outside the measured calls. */
    static Result run(LoadedModel model, List<List<Tensor>> inputs, double warmup, double seconds, long gapNanos,
                      boolean spin) throws Exception {
        Random pick = new Random(1);
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        do {
            model.execute(inputs.get(pick.nextInt(inputs.size())));
            gap(gapNanos, spin);
        } while (System.nanoTime() < warmEnd);
        long[] latencies = new long[1024];
        long rows = 0;
        long gaps = 0;
        int n = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now = start;
        while (now < end || n < 3) {
            if (gapNanos > 0) {
                gap(gapNanos, spin);
                long after = System.nanoTime();
                gaps += after - now;
                now = after;
            }
            long t0 = now;
            List<Tensor> call = inputs.get(pick.nextInt(inputs.size()));
            model.execute(call);
            rows += call.get(0).shape()[0];
            now = System.nanoTime();
            if (n == latencies.length) {
                latencies = Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = now - t0;
        }
        return new Result(Arrays.copyOf(latencies, n), rows, now - start - gaps);
    }

    private static void gap(long nanos, boolean spin) {
        if (nanos <= 0) {
            return;
        }
        long end = System.nanoTime() + nanos;
        if (spin) {
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        } else {
            LockSupport.parkNanos(nanos);
        }
    }

    /** Per-call latencies (ns), the rows they ran and the measured span (ns). */
    record Result(long[] latencies, long rows, long spanNanos) {

        double percentileMs(int p) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
        }

        double meanMs() {
            return Arrays.stream(latencies).average().orElse(0) / 1e6;
        }

        String line() {
            return String.format(Locale.ROOT, "calls=%d rows/s=%.2f mean_ms=%.3f p50_ms=%.3f p99_ms=%.3f mean_batch=%.1f",
                    latencies.length, rows * 1e9 / spanNanos, meanMs(), percentileMs(50), percentileMs(99),
                    (double) rows / latencies.length);
        }
    }
}
