package io.tensorline.perf;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferStatistics;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelConfigResponse;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.proto.StatisticDuration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny in-test KServe v2 gRPC service on an ephemeral port: model "echo" (INPUT0 FP32 [-1,16], max_batch_size 8)
 * whose OUTPUT0 is the request's bytes. With {@code statistics} it lists the extension and reports fixed per-request
 * durations (queue 10 us, compute 5 + 20 + 5 us, request 50 us), so the breakdown columns are predictable.
 */
final class TestGrpcServer implements AutoCloseable {

    static final long QUEUE_NS = 10_000;
    static final long COMPUTE_INPUT_NS = 5_000;
    static final long COMPUTE_INFER_NS = 20_000;
    static final long COMPUTE_OUTPUT_NS = 5_000;
    static final long REQUEST_NS = 50_000;

    final AtomicLong inferences = new AtomicLong();
    final List<List<Long>> shapesSeen = new CopyOnWriteArrayList<>();
    private final boolean statistics;
    private final Server server;

    TestGrpcServer(boolean statistics) throws IOException {
        this.statistics = statistics;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("localhost", 0))
                .directExecutor()
                .addService(new Service())
                .build()
                .start();
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

        @Override
        public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> response) {
            ServerMetadataResponse.Builder b = ServerMetadataResponse.newBuilder().setName("test").setVersion("1");
            if (statistics) {
                b.addExtensions("statistics");
            }
            response.onNext(b.build());
            response.onCompleted();
        }

        @Override
        public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
            if (!request.getName().equals("echo")) {
                response.onError(Status.NOT_FOUND.withDescription("model '" + request.getName() + "' is not found")
                        .asRuntimeException());
                return;
            }
            response.onNext(ModelMetadataResponse.newBuilder().setName("echo").addVersions("1").setPlatform("test")
                    .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder()
                            .setName("INPUT0").setDatatype("FP32").addShape(-1).addShape(16))
                    .addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder()
                            .setName("OUTPUT0").setDatatype("FP32").addShape(-1).addShape(16))
                    .build());
            response.onCompleted();
        }

        @Override
        public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> response) {
            response.onNext(ModelConfigResponse.newBuilder()
                    .setConfig(ModelConfig.newBuilder().setName("echo").setMaxBatchSize(8)).build());
            response.onCompleted();
        }

        @Override
        public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> response) {
            long n = inferences.get();
            response.onNext(ModelStatisticsResponse.newBuilder().addModelStats(ModelStatistics.newBuilder()
                    .setName("echo").setVersion("1").setInferenceCount(n).setExecutionCount(n)
                    .setInferenceStats(InferStatistics.newBuilder()
                            .setSuccess(duration(n, REQUEST_NS))
                            .setQueue(duration(n, QUEUE_NS))
                            .setComputeInput(duration(n, COMPUTE_INPUT_NS))
                            .setComputeInfer(duration(n, COMPUTE_INFER_NS))
                            .setComputeOutput(duration(n, COMPUTE_OUTPUT_NS))))
                    .build());
            response.onCompleted();
        }

        private StatisticDuration duration(long n, long nsEach) {
            return StatisticDuration.newBuilder().setCount(n).setNs(n * nsEach).build();
        }

        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
            ModelInferRequest.InferInputTensor in = request.getInputs(0);
            shapesSeen.add(in.getShapeList());
            ModelInferResponse reply = ModelInferResponse.newBuilder().setModelName("echo").setModelVersion("1")
                    .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName("OUTPUT0").setDatatype(in.getDatatype()).addAllShape(in.getShapeList()))
                    .addAllRawOutputContents(request.getRawInputContentsList())
                    .build();
            inferences.incrementAndGet();
            response.onNext(reply);
            response.onCompleted();
        }
    }
}
