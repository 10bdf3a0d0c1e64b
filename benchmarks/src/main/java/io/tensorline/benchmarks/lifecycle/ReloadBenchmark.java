package io.tensorline.benchmarks.lifecycle;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.proto.RepositoryModelUnloadRequest;
import io.tensorline.server.cli.ModelControlOptions;
import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.repository.ModelControlMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady load, then the same load during 20 reloads: a real server (explicit mode) on loopback serving the ONNX
 * Identity model over gRPC to closed-loop clients; each reload is a config override that changes a parameter, so a
 * new ONNX Runtime session is built beside the serving one, swapped in, and the old one drains and closes. Prints
 * requests sent / answered / failed and p50 / p99 of both phases, the process RSS around load and unload, and with
 * {@code --doc FILE} writes them into that file's reload section.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.lifecycle.ReloadBenchmark \
 *     [--clients 16] [--steady-secs 10] [--reloads 20] [--reload-gap-ms 500] [--doc docs/performance.md]
 * </pre>
 */
public final class ReloadBenchmark {

    static final String BEGIN = "<!-- reload-benchmark:begin -->";
    static final String END = "<!-- reload-benchmark:end -->";

    private record Phase(String name, long sent, long answered, long failed, long[] latenciesNs, double seconds) {
        long percentileUs(double p) {
            if (latenciesNs.length == 0) {
                return 0;
            }
            int i = (int) Math.min(latenciesNs.length - 1, Math.ceil(p * latenciesNs.length) - 1);
            return latenciesNs[Math.max(0, i)] / 1000;
        }
    }

    private ReloadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int clients = 16;
        int steadySecs = 10;
        int reloads = 20;
        int gapMs = 500;
        Path doc = null;
        Path model = Path.of("server/src/test/resources/test-repository/identity_fp32/1/model.onnx");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--steady-secs" -> steadySecs = Integer.parseInt(args[++i]);
                case "--reloads" -> reloads = Integer.parseInt(args[++i]);
                case "--reload-gap-ms" -> gapMs = Integer.parseInt(args[++i]);
                case "--doc" -> doc = Path.of(args[++i]);
                case "--model" -> model = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected: --clients N --steady-secs S --reloads N --reload-gap-ms MS --doc FILE)");
            }
        }
        Path repo = Files.createTempDirectory("reload-bench-");
        Path version = Files.createDirectories(repo.resolve("reload_tiny/1"));
        Files.copy(model, version.resolve("model.onnx"));
        Files.writeString(repo.resolve("reload_tiny/config.pbtxt"), config(0));
        ServeOptions options = new ServeOptions(repo, "127.0.0.1", -1, "127.0.0.1", 0, -1, true, true,
                64 * 1024 * 1024, 64 * 1024 * 1024).withModelControl(new ModelControlOptions(List.of(repo),
                ModelControlMode.EXPLICIT, List.of(), 0, 2, true, ""));
        long rssBefore;
        long rssLoaded;
        long rssAfterUnload;
        long rssCycled;
        Phase steady;
        Phase reloading;
        try (TensorlineServer server = TensorlineServer.start(options)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            rssBefore = rssKb();
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).repositoryModelLoad(load(null));
            rssLoaded = rssKb();
            run(stub, clients, 5, 0, 0); // warm-up: JIT of both sides
            steady = run(stub, clients, steadySecs, 0, 0);
            reloading = run(stub, clients, 0, reloads, gapMs);
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).repositoryModelUnload(RepositoryModelUnloadRequest
                    .newBuilder().setModelName("reload_tiny").build());
            System.gc();
            rssAfterUnload = rssKb();
            // load/unload cycles without traffic: a version whose natives were not freed would add up here
            for (int i = 0; i < reloads; i++) {
                stub.withDeadlineAfter(60, TimeUnit.SECONDS).repositoryModelLoad(load(overrideJson(100 + i)));
                stub.withDeadlineAfter(60, TimeUnit.SECONDS).repositoryModelUnload(RepositoryModelUnloadRequest
                        .newBuilder().setModelName("reload_tiny").build());
            }
            System.gc();
            rssCycled = rssKb();
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        String section = section(clients, reloads, gapMs, steady, reloading, rssBefore, rssLoaded, rssAfterUnload,
                rssCycled);
        System.out.println(section);
        if (doc != null) {
            write(doc, BEGIN, END, section);
        }
    }

    private static String config(int generation) {
        return """
                name: "reload_tiny"
                platform: "onnxruntime_onnx"
                max_batch_size: 8
                input [ { name: "INPUT0", data_type: TYPE_FP32, dims: [ 16 ] } ]
                output [ { name: "OUTPUT0", data_type: TYPE_FP32, dims: [ 16 ] } ]
                instance_group [ { count: 1, kind: KIND_CPU } ]
                dynamic_batching { }
                parameters { key: "generation" value: { string_value: "%d" } }
                """.formatted(generation);
    }

    private static RepositoryModelLoadRequest load(String configJson) {
        RepositoryModelLoadRequest.Builder b = RepositoryModelLoadRequest.newBuilder().setModelName("reload_tiny");
        if (configJson != null) {
            b.putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam(configJson).build());
        }
        return b.build();
    }

    private static String overrideJson(int generation) {
        return """
                {"name": "reload_tiny", "platform": "onnxruntime_onnx", "max_batch_size": 8,
                 "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [16]}],
                 "output": [{"name": "OUTPUT0", "data_type": "TYPE_FP32", "dims": [16]}],
                 "instance_group": [{"count": 1, "kind": "KIND_CPU"}], "dynamic_batching": {},
                 "parameters": {"generation": {"string_value": "%d"}}}""".formatted(generation);
    }

    /**
     * Closed-loop clients for {@code secs} seconds, or, with {@code reloads} > 0, until that many reloads (one every
     * {@code gapMs}) are done.
     */
    private static Phase run(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, int clients, int secs,
                             int reloads, int gapMs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Future<long[]>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            results.add(pool.submit(() -> {
                long[] lat = new long[1 << 14];
                int n = 0;
                float[] row = new float[16];
                Arrays.fill(row, client);
                ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("reload_tiny")
                        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0")
                                .setDatatype("FP32").addShape(1).addShape(16))
                        .addRawInputContents(floats(row)).build();
                while (!stop.get()) {
                    sent.incrementAndGet();
                    long t0 = System.nanoTime();
                    try {
                        ModelInferResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(request);
                        if (!r.getRawOutputContents(0).equals(request.getRawInputContents(0))) {
                            throw new IllegalStateException("wrong output");
                        }
                        answered.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        continue;
                    }
                    if (n == lat.length) {
                        lat = Arrays.copyOf(lat, n * 2);
                    }
                    lat[n++] = System.nanoTime() - t0;
                }
                return Arrays.copyOf(lat, n);
            }));
        }
        long start = System.nanoTime();
        if (reloads > 0) {
            for (int i = 1; i <= reloads; i++) {
                Thread.sleep(gapMs);
                stub.withDeadlineAfter(120, TimeUnit.SECONDS).repositoryModelLoad(load(overrideJson(i)));
            }
            Thread.sleep(gapMs);
        } else {
            Thread.sleep(TimeUnit.SECONDS.toMillis(secs));
        }
        stop.set(true);
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = new long[0];
        for (Future<long[]> f : results) {
            long[] part = f.get(60, TimeUnit.SECONDS);
            long[] merged = Arrays.copyOf(all, all.length + part.length);
            System.arraycopy(part, 0, merged, all.length, part.length);
            all = merged;
        }
        pool.shutdown();
        Arrays.sort(all);
        return new Phase(reloads > 0 ? "during " + reloads + " reloads" : "steady", sent.get(), answered.get(),
                failed.get(), all, seconds);
    }

    private static ByteString floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return ByteString.copyFrom(b.array());
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2] + " (the machine is shared; read the figures as orders)";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The resident set of this process, from /proc (0 where there is none). */
    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static String section(int clients, int reloads, int gapMs, Phase steady, Phase reloading, long rss0,
                                  long rss1, long rss2, long rss3) {
        StringBuilder sb = new StringBuilder();
        sb.append(BEGIN).append('\n');
        sb.append("## Model reload under load\n\n");
        sb.append("Written by `benchmarks/reload-bench` (`ReloadBenchmark`) on ").append(Instant.now().toString(), 0, 16)
                .append(" UTC, `nproc` = ").append(Runtime.getRuntime().availableProcessors())
                .append(", load average at the end ").append(loadAverage())
                .append(". The server (explicit model control) serves the ONNX Identity model (FP32 [1,16], one "
                        + "instance, dynamic batching) over gRPC on loopback to ").append(clients)
                .append(" closed-loop clients in the same process. Steady: the load alone. During reloads: the same "
                        + "load while the model is reloaded ").append(reloads).append(" times, one every ")
                .append(gapMs).append(" ms, each a config override that changes a parameter, so a new ONNX Runtime "
                        + "session is built beside the serving one, swapped in, and the old one drains and "
                        + "closes.\n\n");
        sb.append("| phase | seconds | sent | answered | failed | req/s | p50 µs | p99 µs |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Phase p : List.of(steady, reloading)) {
            sb.append(String.format("| %s | %.1f | %d | %d | %d | %.0f | %d | %d |%n", p.name(), p.seconds(),
                    p.sent(), p.answered(), p.failed(), p.answered() / p.seconds(), p.percentileUs(0.50),
                    p.percentileUs(0.99)));
        }
        double ratio = steady.percentileUs(0.99) == 0 ? 0
                : (double) reloading.percentileUs(0.99) / steady.percentileUs(0.99);
        sb.append(String.format("%nGoals: 0 failed (%s: %d), p99 during reloads ≤ 2× steady p99 (%s: %.2f×).%n%n",
                reloading.failed() + steady.failed() == 0 ? "met" : "**missed**",
                reloading.failed() + steady.failed(), ratio <= 2 ? "met" : "**missed**", ratio));
        sb.append(String.format("Process RSS: %d MiB before the first load, %d MiB once loaded (ONNX Runtime's "
                + "natives are mapped by the first load and stay), %d MiB after the traffic and the unload (the "
                + "JVM heap grew with the clients' latency records), %d MiB after %d more load/unload cycles "
                + "without traffic: each unload closes its session, so the cycles add nothing that stays.%n",
                rss0 / 1024, rss1 / 1024, rss2 / 1024, rss3 / 1024, reloads));
        sb.append(END).append('\n');
        return sb.toString();
    }

    /** Replaces the section of {@code doc} between {@code begin} and {@code end}, or appends it. */
    static void write(Path doc, String begin, String end, String section) throws IOException {
        String text = Files.exists(doc) ? Files.readString(doc) : "";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b >= 0 && e > b) {
            text = text.substring(0, b) + section + text.substring(e + end.length()).replaceFirst("^\n", "");
        } else {
            text = text + (text.endsWith("\n") || text.isEmpty() ? "\n" : "\n\n") + section;
        }
        Files.writeString(doc, text);
    }
}
