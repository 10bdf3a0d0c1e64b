package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.engine.DataType;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static io.tensorline.server.http.BinaryBodies.HEADER;
import static io.tensorline.server.http.BinaryBodies.body;
import static io.tensorline.server.http.BinaryBodies.floats;
import static io.tensorline.server.http.BinaryBodies.jsonLength;
import static io.tensorline.server.http.BinaryBodies.split;
import static io.tensorline.server.http.BinaryBodies.strings;
import static io.tensorline.server.http.BinaryBodies.toFloats;
import static io.tensorline.server.http.RestFixture.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binary tensor extension (PROTOCOL.md §2.3): binary inputs, binary outputs, and the raw-body form. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpInferBinaryTest {

    private RestFixture rest;

    @BeforeAll
    void start() {
        rest = RestFixture.standard();
    }

    @AfterAll
    void stop() {
        rest.close();
    }

    private static String binaryInput(String name, String datatype, String shape, int size) {
        return "{\"name\":\"" + name + "\",\"shape\":" + shape + ",\"datatype\":\"" + datatype
                + "\",\"parameters\":{\"binary_data_size\":" + size + "}}";
    }

    @Test
    void binaryInputsWithJsonOutputs() {
        String json = "{\"inputs\":[" + binaryInput("INPUT0", "FP32", "[1,4]", 16) + ","
                + binaryInput("INPUT1", "FP32", "[1,4]", 16) + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer",
                body(json, floats(1, 2, 3, 4), floats(0.5f, 0.5f, 0.5f, 0.5f)), HEADER, jsonLength(json));
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(r.headers().firstValue(HEADER).isEmpty());
        assertEquals("[1.5,2.5,3.5,4.5]", json(r).get("outputs").get(0).get("data").toString());
    }

    @Test
    void binaryAndJsonInputsMixed() {
        String json = "{\"inputs\":[" + HttpInferJsonTest.input("INPUT0", "FP32", "[1,4]", "[1,2,3,4]") + ","
                + binaryInput("INPUT1", "FP32", "[1,4]", 16) + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", body(json, floats(1, 1, 1, 1)),
                HEADER, jsonLength(json));
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("[0.0,1.0,2.0,3.0]", json(r).get("outputs").get(1).get("data").toString());
    }

    @Test
    void perOutputBinaryFlag() {
        String json = "{\"inputs\":[" + HttpInferJsonTest.addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},{\"name\":\"OUTPUT1\"}]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", json);
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElseThrow());
        BinaryBodies.Split s = split(r);
        JsonNode out0 = s.json().get("outputs").get(0);
        assertEquals(16, out0.get("parameters").get("binary_data_size").asInt());
        assertNull(out0.get("data"));
        assertEquals("[1,4]", out0.get("shape").toString());
        assertArrayEquals(new float[] {2, 3, 4, 5}, toFloats(s.blob(0)));
        assertEquals("[0.0,1.0,2.0,3.0]", s.json().get("outputs").get(1).get("data").toString());
        assertEquals(16, s.blobs().length);
    }

    @Test
    void requestLevelBinaryFlagWithPerOutputOverride() {
        String json = "{\"parameters\":{\"binary_data_output\":true},\"inputs\":["
                + HttpInferJsonTest.addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\"},{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":false}}]}";
        BinaryBodies.Split s = split(rest.post("/v2/models/add_sub/infer", json));
        assertArrayEquals(new float[] {2, 3, 4, 5}, toFloats(s.blob(0)));
        assertEquals("[0.0,1.0,2.0,3.0]", s.json().get("outputs").get(1).get("data").toString());
    }

    @Test
    void requestLevelBinaryFlagWithoutOutputListMakesAllOutputsBinary() {
        String json = "{\"parameters\":{\"binary_data_output\":true},\"inputs\":["
                + HttpInferJsonTest.addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", json);
        BinaryBodies.Split s = split(r);
        assertEquals(32, s.blobs().length);
        assertArrayEquals(new float[] {2, 3, 4, 5}, toFloats(s.blob(0)));
        assertArrayEquals(new float[] {0, 1, 2, 3}, toFloats(s.blob(1)));
        assertEquals(Integer.parseInt(r.headers().firstValue(HEADER).orElseThrow()) + 32, r.body().length);
    }

    @Test
    void binaryInAndBinaryOutAsTritonclientSendsThem() {
        String json = "{\"id\":\"7\",\"inputs\":[" + binaryInput("INPUT0", "FP32", "[1,4]", 16) + ","
                + binaryInput("INPUT1", "FP32", "[1,4]", 16) + "],\"outputs\":["
                + "{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},"
                + "{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":true}}]}";
        BinaryBodies.Split s = split(rest.post("/v2/models/add_sub/infer",
                body(json, floats(1, 2, 3, 4), floats(4, 3, 2, 1)), HEADER, jsonLength(json)));
        assertEquals("7", s.json().get("id").asText());
        assertArrayEquals(new float[] {5, 5, 5, 5}, toFloats(s.blob(0)));
        assertArrayEquals(new float[] {-3, -1, 1, 3}, toFloats(s.blob(1)));
    }

    @Test
    void fp16RoundTripsAsBinaryAndComesBackBinaryWithoutAsking() {
        byte[] halfs = {0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0xFF, 0x7B}; // 1.0, -2.0, 65504
        String json = "{\"inputs\":[" + binaryInput("INPUT0", "FP16", "[1,3]", 6) + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_fp16/infer", body(json, halfs),
                HEADER, jsonLength(json));
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        BinaryBodies.Split s = split(r);
        assertEquals("FP16", s.json().get("outputs").get(0).get("datatype").asText());
        assertArrayEquals(halfs, s.blob(0));
    }

    @Test
    void bf16AlsoTravelsBinary() {
        byte[] bf = {(byte) 0x80, 0x3F, 0x00, 0x40}; // 1.0, 2.0
        String json = "{\"inputs\":[" + binaryInput("INPUT0", "BF16", "[1,2]", 4) + "]}";
        BinaryBodies.Split s = split(rest.post("/v2/models/identity_bf16/infer", body(json, bf),
                HEADER, jsonLength(json)));
        assertArrayEquals(bf, s.blob(0));
    }

    @Test
    void bytesBinaryInputAndOutput() {
        byte[] raw = strings("hello", "", "naïve ✓");
        String json = "{\"inputs\":[" + binaryInput("INPUT0", "BYTES", "[1,3]", raw.length) + "],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}}]}";
        BinaryBodies.Split s = split(rest.post("/v2/models/identity_bytes/infer", body(json, raw),
                HEADER, jsonLength(json)));
        assertArrayEquals(raw, s.blob(0));
    }

    @Test
    void bytesBinaryInputWithJsonOutput() {
        byte[] raw = strings("a", "ü");
        String json = "{\"inputs\":[" + binaryInput("INPUT0", "BYTES", "[1,2]", raw.length) + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_bytes/infer", body(json, raw), HEADER,
                jsonLength(json));
        assertEquals("[\"a\",\"ü\"]", json(r).get("outputs").get(0).get("data").toString());
    }

    @Test
    void headerLengthEqualToTheWholeBodyIsPlainJson() {
        String json = "{\"inputs\":[" + HttpInferJsonTest.addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", json.getBytes(StandardCharsets.UTF_8),
                HEADER, jsonLength(json));
        assertEquals(200, r.statusCode(), RestFixture.text(r));
    }

    @Test
    void rawBodyWithHeaderZeroFeedsTheOnlyInputAsBatchOne() {
        byte[] raw = floats(1, 2, 3);
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_fp32/infer", raw, HEADER, "0");
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        BinaryBodies.Split s = split(r);
        JsonNode out = s.json().get("outputs").get(0);
        assertEquals("[1,3]", out.get("shape").toString());
        assertArrayEquals(raw, s.blob(0));
    }

    @Test
    void rawBodyForANonBatchingModelWithFixedDims() {
        byte[] raw = floats(1, 2, 3, 4, 5, 6);
        BinaryBodies.Split s = split(rest.post("/v2/models/nobatch/infer", raw, HEADER, "0"));
        assertEquals("[2,3]", s.json().get("outputs").get(0).get("shape").toString());
        assertArrayEquals(raw, s.blob(0));
    }

    @Test
    void rawBodyOfABytesInputIsOneElement() {
        FakeModelRegistry registry = new FakeModelRegistry()
                .add(TestModelVersions.identity("blob", 1, DataType.BYTES, 4, 1));
        try (RestFixture own = new RestFixture(registry, HttpFrontend.Options.defaults().withWorkerThreads(1))) {
            byte[] raw = "raw \u00e9 bytes".getBytes(StandardCharsets.UTF_8);
            BinaryBodies.Split s = split(own.post("/v2/models/blob/infer", raw, HEADER, "0"));
            assertEquals("[1,1]", s.json().get("outputs").get(0).get("shape").toString());
            assertArrayEquals(strings("raw \u00e9 bytes"), s.blob(0));
        }
    }

    @Test
    void rawBodyThatDoesNotFitIsRejected() {
        HttpResponse<byte[]> r = rest.post("/v2/models/nobatch/infer", floats(1, 2), HEADER, "0");
        assertEquals(400, r.statusCode());
        assertTrue(RestFixture.error(r).contains("raw body does not fit"), RestFixture.error(r));
        r = rest.post("/v2/models/add_sub/infer", floats(1, 2, 3, 4), HEADER, "0");
        assertEquals(400, r.statusCode());
        assertTrue(RestFixture.error(r).contains("has 2 inputs"), RestFixture.error(r));
        r = rest.post("/v2/models/identity_fp32/infer", new byte[] {1, 2, 3}, HEADER, "0");
        assertEquals(400, r.statusCode());
        assertTrue(RestFixture.error(r).contains("a multiple of 4 bytes"), RestFixture.error(r));
        assertArrayEquals(floats(1), split(rest.post("/v2/models/identity_fp32/infer", floats(1), HEADER, "0"))
                .blob(0));
    }
}
