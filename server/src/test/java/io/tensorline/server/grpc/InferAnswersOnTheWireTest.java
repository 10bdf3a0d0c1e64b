package io.tensorline.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tensorline.engine.DataType;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The bound service over a real Netty channel, read as raw bytes: ModelInfer and ModelStreamInfer answers are the
 * bytes the generated message serializes (re-serializing what the generated parser makes of them changes
 * nothing), and only those two methods have the hand-written response marshaller.
 */
class InferAnswersOnTheWireTest {

    private static final String INFER = "inference.GRPCInferenceService/ModelInfer";
    private static final String STREAM = "inference.GRPCInferenceService/ModelStreamInfer";

    private static InferenceServer server;
    private static GrpcFrontend frontend;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws IOException {
        FakeModelRegistry registry = new FakeModelRegistry()
                .add(TestModelVersions.addSub("add_sub", 1, 8, 4))
                .add(TestModelVersions.identity("identity_bytes", 1, DataType.BYTES, 8, -1));
        server = new InferenceServer(registry, new ServerInfo("triton", "test", List.of()));
        frontend = new GrpcFrontend(server, 1 << 20).start("127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", frontend.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        frontend.close();
    }

    private static ByteString floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return ByteString.copyFrom(b.flip());
    }

    private static ModelInferRequest addSub(String id) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("add_sub").setId(id);
        b.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(1).addShape(4);
        b.addInputsBuilder().setName("INPUT1").setDatatype("FP32").addShape(1).addShape(4);
        return b.addRawInputContents(floats(1, 2, 3, 4)).addRawInputContents(floats(0.5f, 0.5f, 0.5f, 0.5f)).build();
    }

    private static ModelInferRequest strings() {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("identity_bytes").setModelVersion("1");
        b.addInputsBuilder().setName("INPUT0").setDatatype("BYTES").addShape(1).addShape(2)
                .setContents(io.tensorline.proto.InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("chat tigré")).addBytesContents(ByteString.EMPTY));
        return b.build();
    }

    @Test
    void modelInferAnswersAreTheGeneratedBytes() throws Exception {
        for (ModelInferRequest request : List.of(addSub("req-1"), addSub(""), strings())) {
            byte[] wire = ClientCalls.blockingUnaryCall(channel, RawCalls.method(INFER, MethodDescriptor.MethodType.UNARY),
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request.toByteArray());
            ModelInferResponse parsed = ModelInferResponse.parseFrom(wire);
            assertArrayEquals(parsed.toByteArray(), wire);
            assertEquals(request.getModelName(), parsed.getModelName());
            assertEquals(request.getId(), parsed.getId());
            assertEquals(parsed.getOutputsCount(), parsed.getRawOutputContentsCount());
        }
        ModelInferResponse sum = ModelInferResponse.parseFrom(ClientCalls.blockingUnaryCall(channel,
                RawCalls.method(INFER, MethodDescriptor.MethodType.UNARY), CallOptions.DEFAULT.withDeadlineAfter(30,
                        TimeUnit.SECONDS), addSub("x").toByteArray()));
        assertEquals(floats(1.5f, 2.5f, 3.5f, 4.5f), sum.getRawOutputContents(0));
        assertEquals(floats(0.5f, 1.5f, 2.5f, 3.5f), sum.getRawOutputContents(1));
    }

    @Test
    void modelStreamInferRepliesAreTheGeneratedBytes() throws Exception {
        List<byte[]> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(RawCalls.method(STREAM, MethodDescriptor.MethodType.BIDI_STREAMING),
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        replies.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext(addSub("s-1").toByteArray());
        requests.onNext(strings().toByteArray());
        requests.onNext(addSub("s-2").toBuilder().setModelName("no_such_model").build().toByteArray());
        requests.onCompleted();
        done.get(30, TimeUnit.SECONDS);
        assertEquals(3, replies.size());
        int answers = 0;
        int errors = 0;
        for (byte[] wire : replies) {
            ModelStreamInferResponse parsed = ModelStreamInferResponse.parseFrom(wire);
            assertArrayEquals(parsed.toByteArray(), wire);
            if (parsed.hasInferResponse()) {
                answers++;
            } else {
                errors++;
                assertEquals(false, parsed.getErrorMessage().isEmpty());
            }
        }
        assertEquals(2, answers);
        assertEquals(1, errors);
    }

    @Test
    void onlyTheInferMethodsHaveTheHandWrittenMarshaller() {
        ServerServiceDefinition bound = new InferenceGrpcService(server).bindService();
        io.grpc.ServiceDescriptor generated = GRPCInferenceServiceGrpc.getServiceDescriptor();
        assertEquals(generated.getMethods().size(), bound.getMethods().size());
        assertSame(generated.getSchemaDescriptor(), bound.getServiceDescriptor().getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> m : bound.getMethods()) {
            String name = m.getMethodDescriptor().getFullMethodName();
            if (name.equals(INFER) || name.equals(STREAM)) {
                assertSame(WireInferMethods.Marshaller.INSTANCE, m.getMethodDescriptor().getResponseMarshaller());
            } else {
                assertNotSame(WireInferMethods.Marshaller.INSTANCE, m.getMethodDescriptor().getResponseMarshaller(),
                        name);
            }
        }
    }
}
