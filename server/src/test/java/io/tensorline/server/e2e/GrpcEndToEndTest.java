package io.tensorline.server.e2e;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real server over the test repository, driven by the generated gRPC stubs. */
class GrpcEndToEndTest {

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(TestServers.TEST_REPOSITORY);
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static ModelInferRequest.InferInputTensor.Builder input(String name, String type, long... shape) {
        ModelInferRequest.InferInputTensor.Builder b = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name).setDatatype(type);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    private static ModelInferRequest addSub(String version, float[] a, float[] b) {
        return Tensors.addSub("add_sub", version, a, b);
    }

    private static final float[] A = {1, 2, 3, 4};
    private static final float[] B = {10, 20, 30, 40};

    /** The request that must still work after every bad one. */
    private static void assertStillServes() {
        ModelInferResponse r = stub.modelInfer(addSub("1", A, B));
        assertArrayEquals(new float[] {11, 22, 33, 44}, toFloats(r.getRawOutputContents(0)));
    }

    private static Status.Code rejected(Executable call, String messagePart) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        String description = e.getStatus().getDescription();
        assertNotNull(description);
        assertTrue(description.contains(messagePart), description);
        assertStillServes();
        return e.getStatus().getCode();
    }

    @Test
    void healthAndServerMetadata() {
        assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        ServerMetadataResponse m = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("tensorline", m.getName());
        assertTrue(m.getExtensionsList().contains("binary_tensor_data"));
        assertTrue(m.getBackendsList().containsAll(List.of("onnxruntime", "simulated")), m.toString());
        HealthCheckResponse h = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());
    }

    @Test
    void modelReadyAndUnknownModel() {
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("add_sub").build()).getReady());
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("add_sub").setVersion("2").build()).getReady());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void modelMetadataHasVersionsAndBatchDimension() {
        ModelMetadataResponse m = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("add_sub").build());
        assertEquals(List.of("1", "2"), m.getVersionsList());
        assertEquals("onnxruntime_onnx", m.getPlatform());
        assertEquals("INPUT0", m.getInputs(0).getName());
        assertEquals("FP32", m.getInputs(0).getDatatype());
        assertEquals(List.of(-1L, 4L), m.getInputs(0).getShapeList());
        assertEquals(2, m.getOutputsCount());
    }

    @Test
    void modelConfigIsCompletedFromTheModel() {
        ModelConfig c = stub.modelConfig(ModelConfigRequest.newBuilder().setName("autocomplete_batch").build()).getConfig();
        assertEquals("autocomplete_batch", c.getName());
        assertEquals(4, c.getMaxBatchSize());
        assertEquals("onnxruntime", c.getBackend());
        assertEquals("x", c.getInput(0).getName());
        assertEquals(List.of(3L), c.getInput(0).getDimsList());
        ModelConfig n = stub.modelConfig(ModelConfigRequest.newBuilder().setName("autocomplete_nobatch").build()).getConfig();
        assertEquals(0, n.getMaxBatchSize());
        assertEquals(List.of(2L, 3L), n.getInput(0).getDimsList());
    }

    @Test
    void repositoryIndexListsEveryModelReady() {
        RepositoryIndexResponse r = stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertTrue(r.getModelsCount() >= 16, r.toString());
        assertTrue(r.getModelsList().stream().allMatch(m -> m.getState().equals("READY")), r.toString());
        assertTrue(r.getModelsList().stream().anyMatch(m -> m.getName().equals("add_sub") && m.getVersion().equals("2")));
    }

    @Test
    void versionsAreServedSeparatelyAndIdIsEchoed() {
        ModelInferResponse v1 = stub.modelInfer(addSub("1", A, B).toBuilder().setId("first").build());
        assertEquals("1", v1.getModelVersion());
        assertEquals("first", v1.getId());
        assertArrayEquals(new float[] {11, 22, 33, 44}, toFloats(v1.getRawOutputContents(0)));
        assertArrayEquals(new float[] {-9, -18, -27, -36}, toFloats(v1.getRawOutputContents(1)));
        ModelInferResponse latest = stub.modelInfer(addSub("", A, B));
        assertEquals("2", latest.getModelVersion());
        assertArrayEquals(new float[] {12, 23, 34, 45}, toFloats(latest.getRawOutputContents(0)));
    }

    @Test
    void requestedOutputsSelectWhatComesBack() {
        ModelInferResponse r = stub.modelInfer(addSub("1", A, B).toBuilder()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT1")).build());
        assertEquals(1, r.getOutputsCount());
        assertEquals("OUTPUT1", r.getOutputs(0).getName());
        assertEquals(List.of(1L, 4L), r.getOutputs(0).getShapeList());
        assertArrayEquals(new float[] {-9, -18, -27, -36}, toFloats(r.getRawOutputContents(0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "FP16", "FP32", "FP64"})
    void everyDatatypeRoundTripsRaw(String datatype) {
        byte[] data = Tensors.sample(datatype, 6);
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("identity_" + datatype.toLowerCase())
                .addInputs(input("INPUT0", datatype, 2, 3)).addRawInputContents(ByteString.copyFrom(data)).build());
        assertEquals(datatype, r.getOutputs(0).getDatatype());
        assertEquals(List.of(2L, 3L), r.getOutputs(0).getShapeList());
        assertArrayEquals(data, r.getRawOutputContents(0).toByteArray());
    }

    @Test
    void typedContentsRoundTripForEveryTypedDatatype() {
        record Case(String type, InferTensorContents contents, ByteString expectedRaw) {
        }
        List<Case> cases = List.of(
                new Case("BOOL", InferTensorContents.newBuilder().addBoolContents(true).addBoolContents(false).build(),
                        ByteString.copyFrom(new byte[] {1, 0})),
                new Case("INT8", InferTensorContents.newBuilder().addIntContents(-128).addIntContents(127).build(),
                        ByteString.copyFrom(new byte[] {-128, 127})),
                new Case("INT16", InferTensorContents.newBuilder().addIntContents(-2).addIntContents(300).build(),
                        ByteString.copyFrom(new byte[] {-2, -1, 44, 1})),
                new Case("INT32", InferTensorContents.newBuilder().addIntContents(-1).addIntContents(65536).build(),
                        ByteString.copyFrom(new byte[] {-1, -1, -1, -1, 0, 0, 1, 0})),
                new Case("INT64", InferTensorContents.newBuilder().addInt64Contents(-1).addInt64Contents(1L << 40).build(),
                        ByteString.copyFrom(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 1, 0, 0})),
                new Case("UINT8", InferTensorContents.newBuilder().addUintContents(255).addUintContents(1).build(),
                        ByteString.copyFrom(new byte[] {-1, 1})),
                new Case("FP32", InferTensorContents.newBuilder().addFp32Contents(1.5f).addFp32Contents(-2f).build(),
                        floats(1.5f, -2f)),
                new Case("FP64", InferTensorContents.newBuilder().addFp64Contents(0.5).addFp64Contents(-1).build(),
                        ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, -32, 63, 0, 0, 0, 0, 0, 0, -16, -65})));
        for (Case c : cases) {
            ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                    .setModelName("identity_" + c.type().toLowerCase())
                    .addInputs(input("INPUT0", c.type(), 1, 2).setContents(c.contents())).build());
            assertEquals(c.expectedRaw(), r.getRawOutputContents(0), c.type());
        }
    }

    @Test
    void bytesRoundTripRawAndTyped() {
        ByteString raw = Tensors.strings("héllo", "", "wörld ✓");
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("identity_string")
                .addInputs(input("INPUT0", "BYTES", 1, 3)).addRawInputContents(raw).build());
        assertEquals("BYTES", r.getOutputs(0).getDatatype());
        assertEquals(raw, r.getRawOutputContents(0));
        ModelInferResponse typed = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("identity_string")
                .addInputs(input("INPUT0", "BYTES", 1, 3).setContents(InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("héllo")).addBytesContents(ByteString.EMPTY)
                        .addBytesContents(ByteString.copyFromUtf8("wörld ✓")))).build());
        assertEquals(raw, typed.getRawOutputContents(0));
    }

    @Test
    void modelWithoutBatchingTakesItsExactShape() {
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("nobatch_fixed")
                .addInputs(input("INPUT0", "FP32", 2, 2)).addRawInputContents(floats(1, 2, 3, 4)).build());
        assertArrayEquals(new float[] {3, 6, 9, 12}, toFloats(r.getRawOutputContents(0)));
    }

    @Test
    void concurrentRequestsOnTwoInstancesEachGetTheirOwnAnswer() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub future = GRPCInferenceServiceGrpc.newFutureStub(channel);
        List<com.google.common.util.concurrent.ListenableFuture<ModelInferResponse>> replies = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            replies.add(future.modelInfer(ModelInferRequest.newBuilder().setModelName("multi_instance")
                    .addInputs(input("INPUT0", "FP32", 1, 2)).addRawInputContents(floats(i, -i)).build()));
        }
        for (int i = 0; i < replies.size(); i++) {
            ModelInferResponse r = replies.get(i).get(60, TimeUnit.SECONDS);
            assertArrayEquals(new float[] {i, -i}, toFloats(r.getRawOutputContents(0)));
        }
    }

    @Test
    void streamAnswersEveryRequestAndReportsFailuresInline() throws Exception {
        LinkedBlockingQueue<ModelStreamInferResponse> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ModelStreamInferResponse value) {
                        received.add(value);
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
        requests.onNext(addSub("1", A, B).toBuilder().setId("a").build());
        requests.onNext(ModelInferRequest.newBuilder().setModelName("nope").setId("bad").build());
        requests.onNext(addSub("2", A, B).toBuilder().setId("c").build());
        requests.onCompleted();
        done.get(60, TimeUnit.SECONDS);
        assertEquals(3, received.size());
        List<String> ids = new ArrayList<>();
        int errors = 0;
        for (ModelStreamInferResponse r : received) {
            if (!r.getErrorMessage().isEmpty()) {
                errors++;
                assertTrue(r.getErrorMessage().contains("Request for unknown model: 'nope' is not found"), r.getErrorMessage());
            } else {
                ids.add(r.getInferResponse().getId());
            }
        }
        assertEquals(1, errors);
        assertTrue(ids.containsAll(List.of("a", "c")), ids.toString());
    }

    @Test
    void unknownModelIsNotFound() {
        assertEquals(Status.Code.NOT_FOUND, rejected(() -> stub.modelInfer(addSub("1", A, B).toBuilder()
                .setModelName("no_such_model").build()), "Request for unknown model: 'no_such_model' is not found"));
    }

    @Test
    void unknownVersionIsNotFound() {
        assertEquals(Status.Code.NOT_FOUND, rejected(() -> stub.modelInfer(addSub("7", A, B)), "version 7"));
    }

    @Test
    void wrongDatatypeIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("add_sub").addInputs(input("INPUT0", "INT32", 1, 4)).addInputs(input("INPUT1", "FP32", 1, 4))
                .addRawInputContents(floats(A)).addRawInputContents(floats(B)).build()), "inference input 'INPUT0' data-type is 'INT32', but model 'add_sub' expects 'FP32'"));
    }

    @Test
    void wrongShapeIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("add_sub").addInputs(input("INPUT0", "FP32", 1, 2)).addInputs(input("INPUT1", "FP32", 1, 2))
                .addRawInputContents(floats(1, 2)).addRawInputContents(floats(1, 2)).build()), "unexpected shape for input 'INPUT0' for model 'add_sub'. Expected [-1,4], got [1,2]. "));
    }

    @Test
    void rawSizeMismatchIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("add_sub").addInputs(input("INPUT0", "FP32", 1, 4)).addInputs(input("INPUT1", "FP32", 1, 4))
                .addRawInputContents(floats(1, 2, 3)).addRawInputContents(floats(B)).build()),
                "input byte size mismatch for input 'INPUT0' for model 'add_sub'. Expected 16, got 12"));
    }

    @Test
    void missingInputIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("add_sub").addInputs(input("INPUT0", "FP32", 1, 4)).addRawInputContents(floats(A)).build()),
                "missing input 'INPUT1'"));
    }

    @Test
    void unknownInputIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(addSub("1", A, B).toBuilder()
                .addInputs(input("EXTRA", "FP32", 1, 4)).addRawInputContents(floats(A)).build()),
                "unexpected inference input 'EXTRA'"));
    }

    @Test
    void unknownRequestedOutputIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(addSub("1", A, B).toBuilder()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT9")).build()),
                "unexpected inference output 'OUTPUT9'"));
    }

    @Test
    void batchAboveMaxBatchSizeIsInvalid() {
        float[] nine = new float[9 * 4];
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("add_sub").addInputs(input("INPUT0", "FP32", 9, 4)).addInputs(input("INPUT1", "FP32", 9, 4))
                .addRawInputContents(floats(nine)).addRawInputContents(floats(nine)).build()),
                "inference request batch-size must be <= 8 for 'add_sub'"));
    }

    @Test
    void rawAndTypedContentsMixedIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("add_sub")
                .addInputs(input("INPUT0", "FP32", 1, 4).setContents(InferTensorContents.newBuilder()
                        .addFp32Contents(1).addFp32Contents(2).addFp32Contents(3).addFp32Contents(4)))
                .addInputs(input("INPUT1", "FP32", 1, 4)).addRawInputContents(floats(B)).build()),
                "contents field must not be specified when using raw_input_contents for 'INPUT0'"));
    }

    @Test
    void nonIntegerVersionIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(addSub("latest", A, B)),
                "failed to get model version from specified version string 'latest'"));
    }

    @Test
    void malformedBytesDataIsInvalid() {
        assertEquals(Status.Code.INVALID_ARGUMENT, rejected(() -> stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("identity_string").addInputs(input("INPUT0", "BYTES", 1, 2))
                .addRawInputContents(ByteString.copyFrom(new byte[] {5, 0, 0, 0, 'a'})).build()), "BYTES"));
    }

    @Test
    void messagesOverTheConfiguredLimitAreRejected() throws Exception {
        try (TensorlineServer small = TensorlineServer.start(
                TestServers.options(TestServers.TEST_REPOSITORY, true, 4096))) {
            ManagedChannel ch = TestServers.channel(small);
            try {
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub s =
                        GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
                float[] big = new float[8 * 4 * 40];
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> s.modelInfer(
                        ModelInferRequest.newBuilder().setModelName("identity_fp32")
                                .addInputs(input("INPUT0", "FP32", 8, 160)).addRawInputContents(floats(big)).build()));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("4096"), e.getStatus().getDescription());
                ModelInferResponse ok = s.modelInfer(addSub("1", A, B));
                assertArrayEquals(new float[] {11, 22, 33, 44}, toFloats(ok.getRawOutputContents(0)));
            } finally {
                TestServers.close(ch);
            }
        }
    }

    @Test
    void readyIsFalseForNoModelVersionOnTheWire() {
        assertFalse(stub.modelReady(ModelReadyRequest.newBuilder().setName("add_sub").setVersion("9").build()).getReady());
    }
}
