package io.tensorline.benchmarks.echo;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.DataType;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelConfigResponse;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelOutput;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelReadyResponse;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.proto.ServerLiveResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.proto.ServerReadyResponse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The transport ceiling: a bare grpc-java server (netty-shaded, direct executor) that speaks just enough of
 * {@code inference.GRPCInferenceService} for {@code tensorline perf}. Model {@code echo} takes INPUT0 FP32
 * [-1,16] ({@code max_batch_size 8}) and answers with OUTPUT0 carrying the request's bytes, so a run against it
 * measures gRPC, protobuf and the load generator, and nothing else. It lists no {@code statistics} extension.
 *
 * <p>With {@code --delay-us N} each answer is sent N µs after its request arrived, from one "device" thread that
 * waits as the simulated device does (parked until 100 µs before, then spinning) and writes the answer from there:
 * the transport floor for a device of that duration, with the same idle gaps on the event loop and the same hop
 * to a device thread and back that any server with an execution thread has (benchmarks/batch-cycle at
 * concurrency 1).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.echo.EchoServer --port 9100 [--delay-us N]</pre>
 */
public final class EchoServer extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    static final String MODEL = "echo";
    static final int MAX_BATCH_SIZE = 8;
    static final int WIDTH = 16;
    private static final long SPIN_NANOS = 100_000;

    /** Answers after this long (0: at once, on the event loop). */
    private final long delayNanos;
    /** The one thread that waits out {@link #delayNanos} and answers; null without a delay. */
    private final ExecutorService device;

    private EchoServer(long delayNanos) {
        this.delayNanos = delayNanos;
        this.device = delayNanos > 0 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "echo-device");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = 9100;
        long delayMicros = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--port") && i + 1 < args.length) {
                port = parsePort(args[++i]);
            } else if (a.startsWith("--port=")) {
                port = parsePort(a.substring("--port=".length()));
            } else if (a.equals("--delay-us") && i + 1 < args.length) {
                delayMicros = parseDelay(args[++i]);
            } else {
                System.err.println("echo server: unknown argument '" + a + "' (expected: --port N, --delay-us N)");
                System.exit(2);
            }
        }
        Server server = start(port, delayMicros * 1000);
        System.out.println("echo server: model '" + MODEL + "' on gRPC port " + server.getPort()
                + (delayMicros > 0 ? ", answering " + delayMicros + " µs after each request" : ""));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "echo-shutdown"));
        server.awaitTermination();
    }

    /** Starts the server on {@code port} (0 for an ephemeral one); the caller shuts it down. */
    public static Server start(int port) throws IOException {
        return start(port, 0);
    }

    /** As {@link #start(int)}, answering {@code delayNanos} after each request arrives. */
    static Server start(int port, long delayNanos) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress(port))
                .directExecutor()
                .maxInboundMessageSize(Integer.MAX_VALUE)
                .addService(new EchoServer(delayNanos))
                .build()
                .start();
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65_535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        System.err.println("echo server: --port " + s + " (expected: 0 to 65535)");
        System.exit(2);
        return -1;
    }

    private static long parseDelay(String s) {
        try {
            long d = Long.parseLong(s);
            if (d >= 0 && d <= 10_000_000) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        System.err.println("echo server: --delay-us " + s + " (expected: 0 to 10000000 microseconds)");
        System.exit(2);
        return -1;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> response) {
        response.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
        response.onCompleted();
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> response) {
        response.onNext(ServerReadyResponse.newBuilder().setReady(true).build());
        response.onCompleted();
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> response) {
        if (known(request.getName(), response)) {
            response.onNext(ModelReadyResponse.newBuilder().setReady(true).build());
            response.onCompleted();
        }
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> response) {
        response.onNext(ServerMetadataResponse.newBuilder()
                .setName("tensorline-echo").setVersion("0").addExtensions("model_configuration").build());
        response.onCompleted();
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
        if (!known(request.getName(), response)) {
            return;
        }
        response.onNext(ModelMetadataResponse.newBuilder()
                .setName(MODEL).addVersions("1").setPlatform("echo")
                .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder()
                        .setName("INPUT0").setDatatype("FP32").addShape(-1).addShape(WIDTH))
                .addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder()
                        .setName("OUTPUT0").setDatatype("FP32").addShape(-1).addShape(WIDTH))
                .build());
        response.onCompleted();
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> response) {
        if (!known(request.getName(), response)) {
            return;
        }
        response.onNext(ModelConfigResponse.newBuilder().setConfig(ModelConfig.newBuilder()
                .setName(MODEL).setPlatform("echo").setMaxBatchSize(MAX_BATCH_SIZE)
                .addInput(ModelInput.newBuilder().setName("INPUT0").setDataType(DataType.TYPE_FP32).addDims(WIDTH))
                .addOutput(ModelOutput.newBuilder().setName("OUTPUT0").setDataType(DataType.TYPE_FP32).addDims(WIDTH)))
                .build());
        response.onCompleted();
    }

    /** Each input comes back as an output of the same datatype, shape and bytes (INPUT0 becomes OUTPUT0). */
    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
        long arrived = System.nanoTime();
        if (!known(request.getModelName(), response)) {
            return;
        }
        if (device == null) {
            answer(request, response);
            return;
        }
        device.execute(() -> {
            long deadline = arrived + delayNanos;
            long left;
            while ((left = deadline - System.nanoTime()) > SPIN_NANOS) {
                LockSupport.parkNanos(left - SPIN_NANOS);
            }
            while (deadline - System.nanoTime() > 0) {
                Thread.onSpinWait();
            }
            answer(request, response);
        });
    }

    private static void answer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
        ModelInferResponse.Builder out = ModelInferResponse.newBuilder()
                .setModelName(MODEL).setModelVersion("1").setId(request.getId());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            ModelInferResponse.InferOutputTensor.Builder o = out.addOutputsBuilder()
                    .setName(in.getName().replace("INPUT", "OUTPUT")).setDatatype(in.getDatatype())
                    .addAllShape(in.getShapeList());
            if (in.hasContents()) {
                o.setContents(in.getContents());
            }
        }
        out.addAllRawOutputContents(request.getRawInputContentsList());
        response.onNext(out.build());
        response.onCompleted();
    }

    private static boolean known(String model, StreamObserver<?> response) {
        if (MODEL.equals(model)) {
            return true;
        }
        response.onError(Status.NOT_FOUND
                .withDescription("Request for unknown model: '" + model + "' is not found (expected: '" + MODEL + "')")
                .asRuntimeException());
        return false;
    }
}
