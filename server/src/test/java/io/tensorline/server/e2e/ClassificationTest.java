package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.proto.ServerMetadataRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classification extension as Triton's image client uses it ({@code classification} = k on the output), on
 * the committed ONNX classifier (random weights, labels.txt), over gRPC stubs and HTTP.
 */
class ClassificationTest {

    private static final List<String> LABELS = List.of("tench", "goldfish", "great white shark", "tiger shark",
            "hammerhead");
    private static final float[] IMAGES = new float[16];

    static {
        for (int i = 0; i < IMAGES.length; i++) {
            IMAGES[i] = (float) Math.sin(i * 1.7) * 2;
        }
    }

    private static final ObjectMapper JSON = LiveServer.JSON;
    private static LiveServer live;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        live = LiveServer.start(TestServers.TEST_REPOSITORY);
        stub = live.stub;
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private static ModelInferRequest.Builder request(InferParameter classification) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("classifier");
        b.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(2).addShape(8);
        b.addRawInputContents(floats(IMAGES));
        ModelInferRequest.InferRequestedOutputTensor.Builder out = b.addOutputsBuilder().setName("OUTPUT0");
        if (classification != null) {
            out.putParameters("classification", classification);
        }
        return b;
    }

    private static InferParameter int64(long k) {
        return InferParameter.newBuilder().setInt64Param(k).build();
    }

    /** The top k of each row of the plain FP32 output, written as Triton writes them. */
    private static List<String> expectedTop(int k) {
        float[] logits = toFloats(stub.modelInfer(request(null).build()).getRawOutputContents(0));
        assertEquals(10, logits.length);
        List<String> out = new ArrayList<>();
        for (int row = 0; row < 2; row++) {
            boolean[] taken = new boolean[5];
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int c = 0; c < 5; c++) {
                    if (!taken[c] && (best < 0 || logits[row * 5 + c] > logits[row * 5 + best])) {
                        best = c;
                    }
                }
                taken[best] = true;
                out.add(String.format(Locale.ROOT, "%f", (double) logits[row * 5 + best]) + ":" + best + ":"
                        + LABELS.get(best));
            }
        }
        return out;
    }

    private static List<String> strings(ByteString raw) {
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] e = new byte[b.getInt()];
            b.get(e);
            out.add(new String(e, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return live.post(path, body);
    }

    private static String httpRequest(String classification) {
        StringBuilder data = new StringBuilder("[");
        for (int i = 0; i < IMAGES.length; i++) {
            data.append(i == 0 ? "" : ",").append(IMAGES[i]);
        }
        return "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[2,8],\"data\":" + data + "]}],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"classification\":" + classification + "}}]}";
    }

    @Test
    void grpcReturnsTheTopClassesWithLabelsPerBatchItem() {
        ModelInferResponse r = stub.modelInfer(request(int64(3)).build());
        assertEquals("BYTES", r.getOutputs(0).getDatatype());
        assertEquals(List.of(2L, 3L), r.getOutputs(0).getShapeList());
        List<String> got = strings(r.getRawOutputContents(0));
        assertEquals(expectedTop(3), got);
        for (String s : got) {
            assertTrue(s.matches("-?\\d+\\.\\d{6}:\\d:[a-z ]+"), s);
        }
    }

    @Test
    void streamingInferClassifiesToo() throws Exception {
        CompletableFuture<ModelStreamInferResponse> first =
                new CompletableFuture<>();
        StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc
                .newStub(live.channel).modelStreamInfer(new StreamObserver<>() {
                    @Override
                    public void onNext(ModelStreamInferResponse value) {
                        first.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        first.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(request(int64(1)).build());
        ModelStreamInferResponse r = first.get(60, TimeUnit.SECONDS);
        requests.onCompleted();
        assertEquals("", r.getErrorMessage());
        assertEquals(List.of(2L, 1L), r.getInferResponse().getOutputs(0).getShapeList());
        assertEquals(expectedTop(1), strings(r.getInferResponse().getRawOutputContents(0)));
    }

    @Test
    void httpReturnsTheSameEntriesAsJsonStrings() throws Exception {
        HttpResponse<String> r = post("/v2/models/classifier/infer", httpRequest("2"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = JSON.readTree(r.body()).get("outputs").get(0);
        assertEquals("BYTES", out.get("datatype").asText());
        assertEquals("[2,2]", out.get("shape").toString());
        List<String> got = new ArrayList<>();
        out.get("data").forEach(n -> got.add(n.asText()));
        assertEquals(expectedTop(2), got);
    }

    @Test
    void aCountAboveTheClassesReturnsEveryClass() {
        ModelInferResponse r = stub.modelInfer(request(int64(50)).build());
        assertEquals(List.of(2L, 5L), r.getOutputs(0).getShapeList());
        assertEquals(expectedTop(5), strings(r.getRawOutputContents(0)));
    }

    @Test
    void httpZeroMeansNoClassification() throws Exception {
        HttpResponse<String> r = post("/v2/models/classifier/infer", httpRequest("0"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("FP32", JSON.readTree(r.body()).get("outputs").get(0).get("datatype").asText());
    }

    @Test
    void grpcRefusesAClassificationThatIsNotInt64OrNotPositive() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(
                request(InferParameter.newBuilder().setStringParam("3").build()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("invalid value type for 'classification' parameter, expected int64_param",
                e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(request(int64(0)).build()));
        assertTrue(e.getStatus().getDescription().startsWith("invalid value for 'classification' parameter, "
                + "expected >= 0"), e.getStatus().getDescription());
    }

    @Test
    void unsupportedTypesAreRefusedOnBothTransports() throws Exception {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("identity_bool");
        b.addInputsBuilder().setName("INPUT0").setDatatype("BOOL").addShape(1).addShape(2);
        b.addRawInputContents(ByteString.copyFrom(new byte[] {1, 0}));
        b.addOutputsBuilder().setName("OUTPUT0").putParameters("classification", int64(1));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(b.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        String text = "class result not available for output due to unsupported type 'BOOL'";
        assertTrue(e.getStatus().getDescription().startsWith(text), e.getStatus().getDescription());
        HttpResponse<String> r = post("/v2/models/identity_bool/infer", "{\"inputs\":[{\"name\":\"INPUT0\","
                + "\"datatype\":\"BOOL\",\"shape\":[1,2],\"data\":[true,false]}],\"outputs\":[{\"name\":\"OUTPUT0\","
                + "\"parameters\":{\"classification\":1}}]}");
        assertEquals(400, r.statusCode());
        assertTrue(JSON.readTree(r.body()).get("error").asText().startsWith(text), r.body());
    }

    @Test
    void serverMetadataAdvertisesClassification() {
        assertTrue(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList()
                .contains("classification"));
    }
}
