package io.tensorline.benchmarks.lifecycle;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client half of {@code benchmarks/soak}: against a running {@code ./tensorline serve} (explicit model control,
 * model {@code simple} loaded), closed-loop gRPC and REST clients send good requests (outputs checked: OUTPUT0 =
 * INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1) with bad ones mixed in (wrong datatype, wrong shape, unknown model,
 * oversize tensor on both; malformed JSON on REST; undecodable bytes on gRPC), while a reloader calls the load API
 * for the model, cycling through a plain load, a load with a new config (the {@code config} parameter) and a plain
 * load after rewriting {@code config.pbtxt} in the server's repository copy, over REST and gRPC in turn. At the end
 * it prints sent / answered per transport, every outcome by kind with whether it was the expected one, the reloads,
 * and the server's RSS and thread count from {@code /proc/PID/status} before, during and after; with
 * {@code --doc FILE} it writes them into that file's soak section. Exits 1 when anything unexpected happened.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.lifecycle.SoakDriver --pid PID \
 *     --grpc-port P --http-port P --repository DIR [--duration 600] [--grpc-clients 4] [--rest-clients 4] \
 *     [--reload-every 5] [--bad-every 10] [--max-tensor-bytes 1048576] [--command TEXT] [--doc docs/performance.md]
 * </pre>
 */
public final class SoakDriver {

    static final String BEGIN = "<!-- soak:begin -->";
    static final String END = "<!-- soak:end -->";

    private SoakDriver() {
    }

    public static void main(String[] args) throws Exception {
        long pid = -1;
        int grpcPort = -1;
        int httpPort = -1;
        int duration = 600;
        int grpcClients = 4;
        int restClients = 4;
        int reloadEvery = 5;
        int badEvery = 10;
        long maxTensorBytes = 1 << 20;
        String command = "benchmarks/soak";
        Path doc = null;
        Path repository = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pid" -> pid = Long.parseLong(args[++i]);
                case "--grpc-port" -> grpcPort = Integer.parseInt(args[++i]);
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                case "--duration" -> duration = Integer.parseInt(args[++i]);
                case "--grpc-clients" -> grpcClients = Integer.parseInt(args[++i]);
                case "--rest-clients" -> restClients = Integer.parseInt(args[++i]);
                case "--reload-every" -> reloadEvery = Integer.parseInt(args[++i]);
                case "--bad-every" -> badEvery = Integer.parseInt(args[++i]);
                case "--max-tensor-bytes" -> maxTensorBytes = Long.parseLong(args[++i]);
                case "--command" -> command = args[++i];
                case "--doc" -> doc = Path.of(args[++i]);
                case "--repository" -> repository = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (expected: --pid, "
                        + "--grpc-port, --http-port, --duration, --grpc-clients, --rest-clients, --reload-every, "
                        + "--bad-every, --max-tensor-bytes, --repository, --command, --doc)");
            }
        }
        if (pid < 0 || grpcPort < 0 || httpPort < 0 || repository == null) {
            throw new IllegalArgumentException("--pid, --grpc-port, --http-port and --repository are required");
        }
        // an oversize tensor: rows of the model's width, just over the server's --max-tensor-bytes
        int oversizeRows = (int) Math.min(1 << 20, maxTensorBytes / (SoakClients.WIDTH * 4) + 1);
        int everyBad = badEvery;
        int everyReload = reloadEvery;
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        String base = "http://127.0.0.1:" + httpPort;
        SoakTally tally = new SoakTally();
        AtomicBoolean stop = new AtomicBoolean();
        ProcStatus before = ProcStatus.of(pid);
        ExecutorService pool = Executors.newFixedThreadPool(grpcClients + restClients + 1);
        List<Future<?>> tasks = new ArrayList<>();
        for (int c = 0; c < grpcClients; c++) {
            long seed = c;
            tasks.add(pool.submit(() -> SoakClients.grpcClient(channel, tally, stop, seed, everyBad, oversizeRows)));
        }
        for (int c = 0; c < restClients; c++) {
            long seed = 1000 + c;
            tasks.add(pool.submit(() -> SoakClients.restClient(base, tally, stop, seed, everyBad, oversizeRows)));
        }
        SoakReloads reloads = new SoakReloads();
        Path copy = repository;
        Future<?> reloader = pool.submit(() -> SoakReloads.run(channel, base, copy, stop, everyReload, reloads));
        long start = System.nanoTime();
        long peakThreads = before.threads();
        long peakRss = before.rssKb();
        ProcStatus quarter = null;
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(duration)) {
            Thread.sleep(1000);
            ProcStatus now = ProcStatus.of(pid);
            peakThreads = Math.max(peakThreads, now.threads());
            peakRss = Math.max(peakRss, now.rssKb());
            if (quarter == null && System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(duration) / 4) {
                quarter = now; // past the warm-up: growth from here on is what a leak would show
            }
        }
        stop.set(true);
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Future<?> f : tasks) {
            f.get(120, TimeUnit.SECONDS);
        }
        reloader.get(300, TimeUnit.SECONDS);
        pool.shutdown();
        ProcStatus atEnd = ProcStatus.of(pid);
        Thread.sleep(10_000); // idle: the server's pools shrink, the batcher drains
        ProcStatus after = ProcStatus.of(pid);
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);

        Map<String, ProcStatus> samples = new LinkedHashMap<>();
        samples.put("before the load", before);
        samples.put("a quarter into the run", quarter == null ? atEnd : quarter);
        samples.put("highest seen (sampled each second)", new ProcStatus(peakRss, after.peakKb(), peakThreads));
        samples.put("when the load stopped", atEnd);
        samples.put("after 10 s idle", after);
        String section = section(command, seconds, grpcClients, restClients, reloadEvery, badEvery, maxTensorBytes,
                oversizeRows, tally, reloads, samples);
        System.out.println(section);
        if (doc != null) {
            ReloadBenchmark.write(doc, BEGIN, END, section);
        }
        boolean lost = tally.sent("gRPC", false) != tally.sent("gRPC", true)
                || tally.sent("REST", false) != tally.sent("REST", true);
        System.exit(lost || tally.unexpected() > 0 || reloads.failed.sum() > 0 ? 1 : 0);
    }


    private static String section(String command, double seconds, int grpcClients, int restClients, int reloadEvery,
                                  int badEvery, long maxTensorBytes, int oversizeRows, SoakTally tally,
                                  SoakReloads reloads,
                                  Map<String, ProcStatus> samples) {
        StringBuilder sb = new StringBuilder();
        sb.append(BEGIN).append('\n');
        sb.append("## Soak: gRPC and REST load with reloads and bad requests\n\n");
        sb.append("Written by `").append(command).append("` (`SoakDriver`) on ")
                .append(Instant.now().toString(), 0, 16).append(" UTC, `nproc` = ")
                .append(Runtime.getRuntime().availableProcessors()).append(", load average at the end ")
                .append(ReloadBenchmark.loadAverage()).append(String.format(
                        ". `./tensorline serve` (explicit model control, a temporary copy of `model-repository/`, "
                        + "`--load-model=simple`, `--max-tensor-bytes=%d`) on loopback; for %.0f s, %d gRPC and %d "
                        + "REST closed-loop clients (one JVM) send `simple` requests whose outputs are checked, every "
                        + "%dth a bad one (wrong datatype, wrong shape, unknown model, an oversize tensor of %d×16 "
                        + "FP32; malformed JSON on REST, undecodable bytes on gRPC), while `simple` gets a load "
                        + "call every %d s, cycling through a plain load with nothing changed (the server keeps "
                        + "the serving model untouched), a load with a new config in the `config` parameter (batch size, "
                        + "dynamic batching, a parameter) and a plain load after its `config.pbtxt` in the copy was "
                        + "rewritten (the last two build a new model beside the serving one and swap it in), over "
                        + "REST and gRPC in turn.%n%n",
                        maxTensorBytes, seconds, grpcClients, restClients, badEvery, oversizeRows, reloadEvery));
        sb.append("| transport | sent | answered | req/s |\n| --- | --- | --- | --- |\n");
        for (String t : List.of("gRPC", "REST")) {
            sb.append(String.format("| %s | %d | %d | %.0f |%n", t, tally.sent(t, false), tally.sent(t, true),
                    tally.sent(t, true) / seconds));
        }
        sb.append("\n| transport | request | reply | count | expected |\n| --- | --- | --- | --- | --- |\n");
        for (String[] r : tally.rows()) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        sb.append("\n| reload (load API call for `simple`) | done | median ms | longest ms |\n"
                + "| --- | --- | --- | --- |\n");
        for (String kind : List.of(SoakReloads.UNCHANGED, SoakReloads.OVERRIDE, SoakReloads.FILES)) {
            List<Long> ms;
            synchronized (reloads.millis.getOrDefault(kind, List.of())) {
                ms = new ArrayList<>(reloads.millis.getOrDefault(kind, List.of()));
            }
            ms.sort(null);
            sb.append(String.format("| %s | %d | %s | %s |%n", kind, ms.size(),
                    ms.isEmpty() ? "-" : ms.get(ms.size() / 2), ms.isEmpty() ? "-" : ms.get(ms.size() - 1)));
        }
        sb.append(String.format("%nFailed reloads: %d%s.%n%n", reloads.failed.sum(),
                reloads.failures.isEmpty() ? "" : " (" + String.join("; ", reloads.failures) + ")"));
        sb.append("| server process (`/proc/PID/status`) | VmRSS MiB | Threads |\n| --- | --- | --- |\n");
        samples.forEach((label, p) -> sb.append(String.format("| %s | %d | %d |%n", label, p.rssKb() / 1024,
                p.threads())));
        sb.append(String.format("%nVmHWM (the kernel's peak resident set) at the end: %d MiB.%n",
                samples.get("after 10 s idle").peakKb() / 1024));
        boolean lost = tally.sent("gRPC", false) != tally.sent("gRPC", true)
                || tally.sent("REST", false) != tally.sent("REST", true);
        sb.append(String.format("%nVerdict: sent = answered on both transports: %s; unexpected replies: %d; failed "
                + "reloads: %d.%n", lost ? "**no**" : "yes", tally.unexpected(), reloads.failed.sum()));
        sb.append(END).append('\n');
        return sb.toString();
    }
}
