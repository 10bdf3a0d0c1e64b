package io.tensorline.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tensorline.engine.DataType;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes that are not a request message, sent over a real channel: INVALID_ARGUMENT with protobuf's reason, no
 * warning or stack trace in grpc-java's log, and the server answers the next good request.
 */
class UndecodableRequestsTest {

    private static final String INFER = "inference.GRPCInferenceService/ModelInfer";
    private static final String STREAM = "inference.GRPCInferenceService/ModelStreamInfer";

    private static GrpcFrontend frontend;
    private static ManagedChannel channel;
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger grpcLog = Logger.getLogger("io.grpc");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws IOException {
        FakeModelRegistry registry = new FakeModelRegistry()
                .add(TestModelVersions.identity("identity_fp32", 1, DataType.FP32, 8, -1));
        InferenceServer server = new InferenceServer(registry, new ServerInfo("triton", "test", List.of()));
        frontend = new GrpcFrontend(server, 1 << 20).start("127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", frontend.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        frontend.close();
    }

    @BeforeEach
    void listen() {
        grpcLog.addHandler(capture);
    }

    @AfterEach
    void unlisten() {
        grpcLog.removeHandler(capture);
    }

    private static byte[] goodRequest() {
        return ModelInferRequest.newBuilder().setModelName("identity_fp32")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("FP32")
                        .addShape(1).addShape(1))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build().toByteArray();
    }

    private Status unary(byte[] body) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                channel, RawCalls.method(INFER, MethodDescriptor.MethodType.UNARY),
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), body));
        return e.getStatus();
    }

    private void assertStillServing() {
        assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        byte[] reply = ClientCalls.blockingUnaryCall(channel, RawCalls.method(INFER, MethodDescriptor.MethodType.UNARY),
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), goodRequest());
        assertTrue(reply.length > 0);
        assertEquals(List.of(), warnings, "grpc-java logged warnings");
    }

    @Test
    void aTruncatedMessageIsInvalidArgument() {
        byte[] good = goodRequest();
        Status s = unary(java.util.Arrays.copyOf(good, good.length - 3));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().startsWith("cannot decode inference.ModelInferRequest: While parsing a "
                + "protocol message, the input ended unexpectedly"), s.getDescription());
        assertStillServing();
    }

    @Test
    void randomBytesAreInvalidArgument() {
        byte[] junk = new byte[64];
        new java.util.Random(9).nextBytes(junk);
        junk[0] = (byte) 0xFF; // no field has number 31 with wire type 7
        Status s = unary(junk);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().startsWith("cannot decode inference.ModelInferRequest: "), s.getDescription());
        assertTrue(s.getDescription().length() < 200, s.getDescription());
        assertStillServing();
    }

    @Test
    void invalidUtf8InAStringFieldIsInvalidArgument() {
        byte[] name = "identity_fp32".getBytes(StandardCharsets.US_ASCII);
        name[0] = (byte) 0xC3; // a lead byte followed by ASCII is not UTF-8
        byte[] body = new byte[2 + name.length];
        body[0] = 0x0A; // field 1 (model_name), length-delimited
        body[1] = (byte) name.length;
        System.arraycopy(name, 0, body, 2, name.length);
        Status s = unary(body);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("UTF-8"), s.getDescription());
        assertStillServing();
    }

    @Test
    void anUndecodableStreamMessageEndsTheStreamWithInvalidArgument() throws Exception {
        CompletableFuture<Status> end = new CompletableFuture<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(
                RawCalls.method(STREAM, MethodDescriptor.MethodType.BIDI_STREAMING),
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        end.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });
        requests.onNext(new byte[] {(byte) 0xFF, (byte) 0xFF});
        Status s = end.get(30, TimeUnit.SECONDS);
        requests.onCompleted();
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().startsWith("cannot decode inference.ModelInferRequest: "), s.getDescription());
        assertStillServing();
    }
}
