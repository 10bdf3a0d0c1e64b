package io.tensorline.benchmarks.echo;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A gRPC ceiling that does the model's work: a bare grpc-java server (netty-shaded, direct executor) whose
 * {@code ModelInfer} runs the request's raw FP32 inputs through ONNX Runtime on the event loop (one session per
 * loop, no validation, no batching) and answers with the raw outputs. {@link EchoServer} is the same without the
 * model; between the two, a Tensorline run is priced against the transport alone and against transport plus model.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.echo.BareGrpcServer --port 9300 \
 *     [--model model-repository/simple/1/model.onnx] [--threads N]</pre>
 */
public final class BareGrpcServer extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final OnnxSessions sessions;
    private volatile boolean failed;

    private BareGrpcServer(OnnxSessions sessions) {
        this.sessions = sessions;
    }

    public static void main(String[] args) throws Exception {
        BareArgs a = BareArgs.parse("bare grpc server", 9300, args);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(a.port())).directExecutor()
                .addService(new BareGrpcServer(new OnnxSessions(a.model(), a.threads()))).build().start();
        System.out.println("bare grpc server: " + a.model() + " on gRPC port " + server.getPort());
        server.awaitTermination();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
        List<Tensor> inputs = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            long[] shape = in.getShapeList().stream().mapToLong(Long::longValue).toArray();
            ByteString raw = request.getRawInputContents(i);
            ByteBuffer data = ByteBuffer.allocate(raw.size()).order(ByteOrder.LITTLE_ENDIAN);
            raw.copyTo(data);
            inputs.add(Tensor.of(in.getName(), DataType.FP32, shape, data.flip()));
        }
        List<Tensor> outputs;
        try {
            outputs = sessions.session().execute(inputs);
        } catch (EngineException | RuntimeException e) {
            if (!failed) {
                failed = true; // h2load counts a failed call as HTTP 200: say so once, in the log
                System.err.println("bare grpc server: a request failed: " + e);
            }
            response.onError(Status.INVALID_ARGUMENT.withDescription(String.valueOf(e.getMessage())).asException());
            return;
        }
        ModelInferResponse.Builder out = ModelInferResponse.newBuilder().setModelName(request.getModelName())
                .setModelVersion("1").setId(request.getId());
        for (Tensor t : outputs) {
            ModelInferResponse.InferOutputTensor.Builder o = out.addOutputsBuilder().setName(t.name())
                    .setDatatype(t.dataType().wireName());
            for (long d : t.shape()) {
                o.addShape(d);
            }
            out.addRawOutputContents(ByteString.copyFrom(t.data().duplicate()));
        }
        response.onNext(out.build());
        response.onCompleted();
    }
}
