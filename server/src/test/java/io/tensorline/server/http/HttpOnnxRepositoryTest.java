package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static io.tensorline.server.http.BinaryBodies.HEADER;
import static io.tensorline.server.http.BinaryBodies.body;
import static io.tensorline.server.http.BinaryBodies.floats;
import static io.tensorline.server.http.BinaryBodies.jsonLength;
import static io.tensorline.server.http.BinaryBodies.split;
import static io.tensorline.server.http.BinaryBodies.strings;
import static io.tensorline.server.http.BinaryBodies.toFloats;
import static io.tensorline.server.http.HttpInferJsonTest.addSubInputs;
import static io.tensorline.server.http.HttpInferJsonTest.input;
import static io.tensorline.server.http.RestFixture.error;
import static io.tensorline.server.http.RestFixture.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The REST frontend over the committed test repository, loaded by the real registry with ONNX Runtime. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpOnnxRepositoryTest {

    private RestFixture rest;

    @BeforeAll
    void start() throws Exception {
        Path repo = Path.of(HttpOnnxRepositoryTest.class.getResource("/test-repository").toURI());
        RepositoryModelRegistry registry = RepositoryModelRegistry.load(repo, RepositoryModelRegistry.Options.defaults(),
                EngineRegistry.fromClassPath(), new DefaultSchedulerFactory());
        rest = new RestFixture(registry, HttpFrontend.Options.defaults().withWorkerThreads(2));
    }

    @AfterAll
    void stop() {
        if (rest != null) {
            rest.close();
        }
    }

    @Test
    void serverIsReadyWithEveryModelLoaded() {
        assertEquals(200, rest.get("/v2/health/ready").statusCode());
        JsonNode index = json(rest.post("/v2/repository/index", "{\"ready\":true}"));
        assertEquals(json(rest.post("/v2/repository/index", "")).size(), index.size());
    }

    @Test
    void addSubVersionsComputeDifferently() {
        String body = "{\"id\":\"a\",\"inputs\":[" + addSubInputs("[1,2,3,4]", "[10,20,30,40]") + "]}";
        JsonNode v1 = json(rest.post("/v2/models/add_sub/versions/1/infer", body));
        assertEquals("1", v1.get("model_version").asText());
        assertEquals("a", v1.get("id").asText());
        assertEquals("[11.0,22.0,33.0,44.0]", v1.get("outputs").get(0).get("data").toString());
        assertEquals("[-9.0,-18.0,-27.0,-36.0]", v1.get("outputs").get(1).get("data").toString());
        JsonNode v2 = json(rest.post("/v2/models/add_sub/versions/2/infer", body));
        assertEquals("[12.0,23.0,34.0,45.0]", v2.get("outputs").get(0).get("data").toString());
        assertEquals("2", json(rest.post("/v2/models/add_sub/infer", body)).get("model_version").asText());
    }

    @Test
    void addSubBinaryInAndOutWithABatchOfTwo() {
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[2,4],\"datatype\":\"FP32\",\"parameters\":"
                + "{\"binary_data_size\":32}},{\"name\":\"INPUT1\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":32}}],\"outputs\":[{\"name\":\"OUTPUT1\","
                + "\"parameters\":{\"binary_data\":true}}]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/versions/1/infer",
                body(json, floats(1, 2, 3, 4, 5, 6, 7, 8), floats(1, 1, 1, 1, 2, 2, 2, 2)), HEADER, jsonLength(json));
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        BinaryBodies.Split s = split(r);
        assertEquals(1, s.json().get("outputs").size());
        assertEquals("[2,4]", s.json().get("outputs").get(0).get("shape").toString());
        assertArrayEquals(new float[] {0, 1, 2, 3, 3, 4, 5, 6}, toFloats(s.blob(0)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "identity_bool|BOOL|[true,false,true]",
            "identity_int8|INT8|[-128,0,127]",
            "identity_int16|INT16|[-32768,5,32767]",
            "identity_int32|INT32|[-2147483648,5,2147483647]",
            "identity_int64|INT64|[-9223372036854775808,5,9223372036854775807]",
            "identity_uint8|UINT8|[0,128,255]",
            "identity_fp32|FP32|[1.5,-0.25,3.0E10]",
            "identity_fp64|FP64|[1.0E300,-2.5,0.1]",
            "identity_string|BYTES|[\"hello\",\"\",\"grüße ☃\"]"})
    void identityJsonRoundTrip(String model, String datatype, String data) {
        HttpResponse<byte[]> r = rest.post("/v2/models/" + model + "/infer",
                "{\"inputs\":[" + input("INPUT0", datatype, "[1,3]", data) + "]}");
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        JsonNode out = json(r).get("outputs").get(0);
        assertEquals(datatype, out.get("datatype").asText());
        assertEquals("[1,3]", out.get("shape").toString());
        assertEquals(RestFixture.JSON.valueToTree(parse(data)).toString(), out.get("data").toString());
    }

    private static JsonNode parse(String json) {
        try {
            return RestFixture.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void fp16BinaryRoundTrip() {
        byte[] halfs = {0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0xFF, 0x7B, 0x00, 0x00};
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[2,2],\"datatype\":\"FP16\",\"parameters\":"
                + "{\"binary_data_size\":8}}]}";
        BinaryBodies.Split s = split(rest.post("/v2/models/identity_fp16/infer", body(json, halfs), HEADER,
                jsonLength(json)));
        assertEquals("FP16", s.json().get("outputs").get(0).get("datatype").asText());
        assertArrayEquals(halfs, s.blob(0));
    }

    @Test
    void bytesBinaryRoundTrip() {
        byte[] raw = strings("a", "ü", "");
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,3],\"datatype\":\"BYTES\",\"parameters\":"
                + "{\"binary_data_size\":" + raw.length + "}}],\"parameters\":{\"binary_data_output\":true}}";
        BinaryBodies.Split s = split(rest.post("/v2/models/identity_string/infer", body(json, raw), HEADER,
                jsonLength(json)));
        assertArrayEquals(raw, s.blob(0));
    }

    @Test
    void nonBatchingModelWithRawBody() {
        BinaryBodies.Split s = split(rest.post("/v2/models/nobatch_fixed/infer", floats(1, 2, 3, 4), HEADER, "0"));
        assertEquals("[2,2]", s.json().get("outputs").get(0).get("shape").toString());
        assertArrayEquals(new float[] {3, 6, 9, 12}, toFloats(s.blob(0)));
    }

    @Test
    void autoCompletedConfigAndMetadata() {
        JsonNode config = json(rest.get("/v2/models/autocomplete_batch/config"));
        assertEquals("onnxruntime_onnx", config.get("platform").asText());
        assertEquals(4, config.get("max_batch_size").asInt());
        assertEquals("[3]", config.get("input").get(0).get("dims").toString());
        JsonNode meta = json(rest.get("/v2/models/autocomplete_batch"));
        assertEquals("[-1,3]", meta.get("inputs").get(0).get("shape").toString());
        JsonNode out = json(rest.post("/v2/models/autocomplete_batch/infer", "{\"inputs\":["
                + input(meta.get("inputs").get(0).get("name").asText(), "FP32", "[1,3]", "[1,2,3]") + "]}"));
        assertEquals("[2.0,3.0,4.0]", out.get("outputs").get(0).get("data").toString());
    }

    @Test
    void badShapeIs400AndTheModelStillServes() {
        HttpResponse<byte[]> r = rest.post("/v2/models/nobatch_fixed/infer",
                "{\"inputs\":[" + input("INPUT0", "FP32", "[1,4]", "[1,2,3,4]") + "]}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).contains("unexpected shape for input 'INPUT0' for model 'nobatch_fixed'. Expected [2,2], got [1,4]. "), error(r));
        JsonNode ok = json(rest.post("/v2/models/nobatch_fixed/infer",
                "{\"inputs\":[" + input("INPUT0", "FP32", "[2,2]", "[[1,1],[1,1]]") + "]}"));
        assertEquals("[3.0,3.0,3.0,3.0]", ok.get("outputs").get(0).get("data").toString());
    }
}
