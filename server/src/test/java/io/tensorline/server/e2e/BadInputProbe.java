package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sends the bad FP32 shapes of issue 9 to one [-1, 4] -> [-1, 3] model over gRPC and REST (binary extension), and
 * checks the server still answers a good request afterwards. The server under test may be in this JVM or another.
 */
final class BadInputProbe {

    /** 2^60 x 4 FP32: 2^62 elements, 2^64 bytes, which wraps to 0 in unchecked long arithmetic. */
    static final long[] BYTES_WRAP_TO_ZERO = {1L << 60, 4};
    /** 2^62 x 4: the element count itself overflows. */
    static final long[] ELEMENTS_OVERFLOW = {1L << 62, 4};
    static final long[] NO_ROWS = {0, 4};
    static final float[] THREE_ROWS = {0.5f, -1.25f, 2f, 0f, -3f, 0.75f, 1.5f, -0.25f, 10f, 4f, -7.5f, 0.125f};

    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    BadInputProbe(ManagedChannel channel, int httpPort) {
        this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        this.httpPort = httpPort;
    }

    /** Asserts INVALID_ARGUMENT whose message holds every fragment. */
    void assertRefusedOverGrpc(String model, String input, long[] shape, int dataBytes, String... fragments) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc(model, input, shape,
                ByteString.copyFrom(new byte[dataBytes])));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        for (String f : fragments) {
            assertTrue(e.getStatus().getDescription().contains(f), "'" + f + "' missing from: " + e.getStatus());
        }
    }

    /** Asserts 400 whose error holds every fragment. */
    void assertRefusedOverRest(String model, String input, long[] shape, int dataBytes, String... fragments)
            throws IOException, InterruptedException {
        String json = "{\"inputs\":[{\"name\":\"" + input + "\",\"datatype\":\"FP32\",\"shape\":"
                + Arrays.toString(shape).replace(" ", "") + ",\"parameters\":{\"binary_data_size\":" + dataBytes
                + "}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + dataBytes);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(inferUri(model))
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        String error = new ObjectMapper().readTree(r.body()).get("error").asText();
        for (String f : fragments) {
            assertTrue(error.contains(f), "'" + f + "' missing from: " + error);
        }
    }

    /** A good batch of three answers nine finite outputs over both transports. */
    void assertServes(String model, String input) throws IOException, InterruptedException {
        ModelInferResponse r = grpc(model, input, new long[] {3, 4}, floats(THREE_ROWS));
        float[] viaGrpc = toFloats(r.getRawOutputContents(0));
        assertEquals(9, viaGrpc.length);
        StringBuilder data = new StringBuilder();
        for (float v : THREE_ROWS) {
            data.append(data.length() == 0 ? "" : ",").append(v);
        }
        HttpResponse<String> rest = http.send(HttpRequest.newBuilder(inferUri(model)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"" + input
                        + "\",\"datatype\":\"FP32\",\"shape\":[3,4],\"data\":[" + data + "]}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, rest.statusCode(), rest.body());
        JsonNode out = new ObjectMapper().readTree(rest.body()).get("outputs").get(0).get("data");
        assertEquals(9, out.size());
        for (int i = 0; i < 9; i++) {
            assertTrue(Float.isFinite(viaGrpc[i]));
            assertEquals(viaGrpc[i], out.get(i).floatValue(), 1e-6f);
        }
    }

    private ModelInferResponse grpc(String model, String input, long[] shape, ByteString data) {
        ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(input).setDatatype("FP32");
        for (long d : shape) {
            in.addShape(d);
        }
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(ModelInferRequest.newBuilder()
                .setModelName(model).addInputs(in).addRawInputContents(data).build());
    }

    private URI inferUri(String model) {
        return URI.create("http://127.0.0.1:" + httpPort + "/v2/models/" + model + "/infer");
    }
}
