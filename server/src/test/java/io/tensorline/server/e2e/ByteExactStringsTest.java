package io.tensorline.server.e2e;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BYTES elements through the string identity models of both engines that take strings, over gRPC and HTTP's binary
 * extension: TensorFlow carries any bytes; ONNX Runtime's Java API carries UTF-8 text without NUL or characters
 * beyond U+FFFF, and refuses the rest before it runs rather than change it.
 */
class ByteExactStringsTest {

    private static final Path TF_REPOSITORY = Path.of("src/test/resources/tensorflow-repository");

    @TempDir
    static Path repository;
    private static LiveServer live;

    @BeforeAll
    static void start() throws Exception {
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "identity_string", repository, "identity_string");
        TestServers.copyModel(TF_REPOSITORY, "identity_string", repository, "tf_identity_string");
        live = LiveServer.start(repository);
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private static final byte[] MEGABYTE = text(1 << 20);
    /** Text ONNX Runtime carries unchanged: ASCII, two- and three-byte characters, empty elements, 1 MiB. */
    private static final byte[][] TEXT = {
        new byte[0], "grüße €".getBytes(StandardCharsets.UTF_8), new byte[0], MEGABYTE};
    /** Arbitrary bytes: NUL, invalid UTF-8, a four-byte character, 1 MiB of everything. */
    private static final byte[][] ARBITRARY = {
        {(byte) 0xFF, 0, 'z'}, new byte[0], {0}, "🙂".getBytes(StandardCharsets.UTF_8), everyByte(1 << 20)};

    private static byte[] text(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private static byte[] everyByte(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static byte[] raw(byte[][] elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : elements) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.length).array());
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    private static ModelInferRequest grpcRequest(String model, byte[][] elements) {
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(LiveServer.input("INPUT0", "BYTES", 1, elements.length))
                .addRawInputContents(ByteString.copyFrom(raw(elements))).build();
    }

    private static HttpResponse<byte[]> httpBinary(String model, byte[][] elements) throws Exception {
        byte[] data = raw(elements);
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"BYTES\",\"shape\":[1," + elements.length
                + "],\"parameters\":{\"binary_data_size\":" + data.length + "}}],"
                + "\"parameters\":{\"binary_data_output\":true}}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(head, head.length + data.length);
        System.arraycopy(data, 0, body, head.length, data.length);
        return live.http.send(live.request("/v2/models/" + model + "/infer")
                .header("Inference-Header-Content-Length", Integer.toString(head.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The binary output blob of an HTTP answer: the bytes after the JSON header. */
    private static byte[] binaryOutput(HttpResponse<byte[]> r) {
        assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        return Arrays.copyOfRange(r.body(), jsonLength, r.body().length);
    }

    private static void assertRoundTrips(String model, byte[][] elements) throws Exception {
        ModelInferResponse g = live.stub.modelInfer(grpcRequest(model, elements));
        assertEquals("BYTES", g.getOutputs(0).getDatatype());
        assertArrayEquals(raw(elements), g.getRawOutputContents(0).toByteArray());
        assertArrayEquals(raw(elements), binaryOutput(httpBinary(model, elements)));
    }

    @Test
    void onnxRuntimeCarriesTextByteForByte() throws Exception {
        assertRoundTrips("identity_string", TEXT);
    }

    @Test
    void tensorFlowCarriesArbitraryBytes() throws Exception {
        assertRoundTrips("tf_identity_string", ARBITRARY);
        assertRoundTrips("tf_identity_string", TEXT);
    }

    @Test
    void onnxRuntimeRefusesInvalidUtf8InsteadOfChangingIt() throws Exception {
        assertRefused(new byte[][] {"ok".getBytes(StandardCharsets.UTF_8), {(byte) 0xFF, 0, 'z'}},
                "BYTES element 1 cannot reach the model unchanged: it is not valid UTF-8 at offset 0");
    }

    @Test
    void onnxRuntimeRefusesNul() throws Exception {
        assertRefused(new byte[][] {{'a', 0, 'b'}}, "BYTES element 0 cannot reach the model unchanged: it holds a "
                + "NUL byte at offset 1");
    }

    @Test
    void onnxRuntimeRefusesCharactersBeyondTheBasicPlane() throws Exception {
        assertRefused(new byte[][] {"x🙂".getBytes(StandardCharsets.UTF_8)}, "it holds a character beyond U+FFFF "
                + "at offset 1");
    }

    private static void assertRefused(byte[][] elements, String text) throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> live.stub.modelInfer(grpcRequest("identity_string", elements)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(text), e.getStatus().getDescription());
        assertTrue(e.getStatus().getDescription().contains("ONNX Runtime's Java API"), e.getStatus().getDescription());
        HttpResponse<byte[]> r = httpBinary("identity_string", elements);
        assertEquals(400, r.statusCode());
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertTrue(body.contains(text), body);
    }
}
