package io.tensorline.benchmarks.shm;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.proto.SystemSharedMemoryRegisterRequest;
import io.tensorline.proto.SystemSharedMemoryUnregisterRequest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A 4 MiB FP32 tensor through the ONNX Identity model, one request at a time over gRPC on loopback: input and
 * output as raw contents in the messages, versus input and output in system shared memory regions. The server is
 * a separate process ({@code tensorline serve --allow-client-shm=true}), so its CPU time per request is read from
 * {@code /proc/<pid>/stat} (user + system, clock ticks) around each measured phase, apart from the client's.
 * In the shared memory runs the client writes the input into its mapping before each request (as a client with
 * fresh data would) and reads nothing back (the output is already in its memory); in the raw runs it sends a
 * prepared 4 MiB message and receives one.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.shm.ShmBenchmark \
 *     [--requests 200] [--warmup 50] [--elements 1048576] [--doc docs/performance-extra/shm.md]
 * </pre>
 */
public final class ShmBenchmark {

    private static final long CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

    private record Result(String mode, int requests, double seconds, long[] latenciesNs, long serverTicks) {
        long percentileUs(double p) {
            long[] s = latenciesNs.clone();
            Arrays.sort(s);
            int i = (int) Math.min(s.length - 1, Math.ceil(p * s.length) - 1);
            return s[Math.max(0, i)] / 1000;
        }

        double meanUs() {
            return Arrays.stream(latenciesNs).average().orElse(0) / 1000;
        }

        double serverCpuUsPerRequest() {
            return serverTicks * 1e6 / CLOCK_TICKS_PER_S / requests;
        }
    }

    private ShmBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = 200;
        int warmup = 50;
        int elements = 1 << 20;
        Path doc = null;
        Path model = Path.of("server/src/test/resources/test-repository/identity_fp32");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--elements" -> elements = Integer.parseInt(args[++i]);
                case "--doc" -> doc = Path.of(args[++i]);
                case "--model" -> model = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected: --requests N --warmup N --elements N --doc FILE --model DIR)");
            }
        }
        Path repo = Files.createTempDirectory("shm-bench-repo");
        Files.createDirectories(repo.resolve("identity_fp32/1"));
        Files.copy(model.resolve("config.pbtxt"), repo.resolve("identity_fp32/config.pbtxt"));
        Files.copy(model.resolve("1/model.onnx"), repo.resolve("identity_fp32/1/model.onnx"));
        int port = freePort();
        String load0 = loadAverage();
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "io.tensorline.server.cli.Main", "serve", "--model-repository", repo.toString(),
                "--grpc-address", "127.0.0.1", "--grpc-port", Integer.toString(port), "--allow-http=false",
                "--allow-metrics=false", "--allow-client-shm=true", "--log-info=false")
                .redirectErrorStream(true).redirectOutput(repo.resolve("server.log").toFile()).start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        Path in = null;
        Path out = null;
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            awaitReady(stub, server);
            int bytes = elements * 4;
            in = shmObject(bytes);
            out = shmObject(bytes);
            ByteBuffer data = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < elements; i++) {
                data.putFloat(i * 0.5f);
            }
            data.flip();
            ModelInferRequest raw = request(elements).addRawInputContents(ByteString.copyFrom(data.duplicate()))
                    .build();
            stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("in")
                    .setKey("/" + in.getFileName()).setByteSize(bytes).build());
            stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("out")
                    .setKey("/" + out.getFileName()).setByteSize(bytes).build());
            ModelInferRequest.Builder shmB = request(elements);
            shmB.getInputsBuilder(0).putParameters("shared_memory_region", str("in"))
                    .putParameters("shared_memory_byte_size", int64(bytes));
            shmB.addOutputsBuilder().setName("OUTPUT0").putParameters("shared_memory_region", str("out"))
                    .putParameters("shared_memory_byte_size", int64(bytes));
            ModelInferRequest shm = shmB.build();
            MappedByteBuffer inMap = map(in, bytes);
            MappedByteBuffer outMap = map(out, bytes);

            Supplier<ModelInferResponse> rawCall = () -> stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(raw);
            Supplier<ModelInferResponse> shmCall = () -> {
                inMap.clear();
                inMap.put(data.duplicate());
                return stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(shm);
            };
            check(rawCall.get().getRawOutputContents(0).asReadOnlyByteBuffer(), data, "raw");
            shmCall.get();
            check(outMap.duplicate(), data, "shm");
            Result[] results = new Result[4];
            // raw, shm, raw, shm: each mode twice, interleaved, so a change in the machine's load hits both
            for (int round = 0; round < 2; round++) {
                results[round * 2] = run("raw gRPC", rawCall, warmup, requests, server.pid());
                results[round * 2 + 1] = run("shared memory", shmCall, warmup, requests, server.pid());
            }
            stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance());
            String table = table(results, elements, requests, warmup, load0, loadAverage());
            System.out.println(table);
            if (doc != null) {
                write(doc, table);
            }
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            if (in != null) {
                Files.deleteIfExists(in);
            }
            if (out != null) {
                Files.deleteIfExists(out);
            }
        }
    }

    private static ModelInferRequest.Builder request(int elements) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("identity_fp32");
        b.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(1).addShape(elements);
        return b;
    }

    private static Result run(String mode, Supplier<ModelInferResponse> call, int warmup, int requests, long pid)
            throws IOException {
        for (int i = 0; i < warmup; i++) {
            call.get();
        }
        long[] latencies = new long[requests];
        long ticks0 = cpuTicks(pid);
        long t0 = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            long s = System.nanoTime();
            call.get();
            latencies[i] = System.nanoTime() - s;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(mode, requests, seconds, latencies, cpuTicks(pid) - ticks0);
    }

    private static void check(ByteBuffer got, ByteBuffer want, String mode) {
        if (!got.duplicate().rewind().limit(want.remaining()).equals(want.duplicate())) {
            throw new IllegalStateException(mode + ": the output is not the input (Identity model)");
        }
    }

    /** utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14, 15 counted from field 3
    }

    private static void awaitReady(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, Process server)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited with " + server.exitValue());
            }
            try {
                if (stub.withDeadlineAfter(2, TimeUnit.SECONDS).serverReady(ServerReadyRequest.getDefaultInstance())
                        .getReady()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the server was not ready within 120 s");
    }

    private static Path shmObject(int bytes) throws IOException {
        Path p = Path.of("/dev/shm", "tensorline-shm-bench-" + UUID.randomUUID());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p;
    }

    private static MappedByteBuffer map(Path p, int bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
        }
    }

    private static InferParameter str(String s) {
        return InferParameter.newBuilder().setStringParam(s).build();
    }

    private static InferParameter int64(long v) {
        return InferParameter.newBuilder().setInt64Param(v).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String table(Result[] results, int elements, int requests, int warmup, String load0,
                                String load1) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%s, %d cores, 1-min load average %s at the start, %s at the end; %d FP32 elements "
                + "(%.1f MiB) in and out, concurrency 1, %d requests per run after %d warm-up%n%n",
                Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC",
                Runtime.getRuntime().availableProcessors(), load0, load1, elements, elements * 4 / 1048576.0,
                requests, warmup));
        b.append("| run | mode | mean (us) | p50 (us) | p99 (us) | requests/s | server CPU per request (us) |\n");
        b.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (int i = 0; i < results.length; i++) {
            Result r = results[i];
            b.append(String.format("| %d | %s | %.0f | %d | %d | %.1f | %.0f |%n", i / 2 + 1, r.mode(), r.meanUs(),
                    r.percentileUs(0.5), r.percentileUs(0.99), r.requests() / r.seconds(),
                    r.serverCpuUsPerRequest()));
        }
        return b.toString();
    }

    static final String BEGIN = "<!-- shm-benchmark:begin -->";
    static final String END = "<!-- shm-benchmark:end -->";

    /** Replaces the text between the markers in {@code doc}. */
    private static void write(Path doc, String table) throws IOException {
        String text = Files.readString(doc);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b < 0 || e < b) {
            throw new IllegalStateException(doc + " has no " + BEGIN + " ... " + END + " section");
        }
        Files.writeString(doc, text.substring(0, b + BEGIN.length()) + "\n" + table + text.substring(e));
    }

}
