package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.engine.DataType;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static io.tensorline.server.http.RestFixture.error;
import static io.tensorline.server.http.RestFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every non-infer endpoint of PROTOCOL.md §2.1, with its error statuses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpEndpointsTest {

    private RestFixture rest;

    @BeforeAll
    void start() {
        rest = RestFixture.standard();
    }

    @AfterAll
    void stop() {
        rest.close();
    }

    @Test
    void liveIs200WithEmptyBody() {
        HttpResponse<byte[]> r = rest.get("/v2/health/live");
        assertEquals(200, r.statusCode());
        assertEquals(0, r.body().length);
    }

    @Test
    void readyIs400WhileAModelIsUnavailable() {
        HttpResponse<byte[]> r = rest.get("/v2/health/ready");
        assertEquals(400, r.statusCode());
        assertEquals(0, r.body().length);
    }

    @Test
    void readyIs200WhenEveryModelIsReady() {
        FakeModelRegistry registry = new FakeModelRegistry()
                .add(TestModelVersions.identity("only", 1, DataType.FP32, 0, 2));
        try (RestFixture allReady = new RestFixture(registry, HttpFrontend.Options.defaults().withWorkerThreads(1))) {
            assertEquals(200, allReady.get("/v2/health/ready").statusCode());
        }
    }

    @Test
    void liveTurns400WhenTheServerShutsDown() {
        FakeModelRegistry registry = new FakeModelRegistry();
        try (RestFixture down = new RestFixture(registry, HttpFrontend.Options.defaults().withWorkerThreads(1))) {
            down.server.beginShutdown();
            assertEquals(400, down.get("/v2/health/live").statusCode());
            assertEquals(400, down.get("/v2/health/ready").statusCode());
        }
    }

    @Test
    void serverMetadata() {
        HttpResponse<byte[]> r = rest.get("/v2");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        JsonNode j = json(r);
        assertEquals("triton", j.get("name").asText());
        assertEquals("0.1.0-test", j.get("version").asText());
        List<String> extensions = new ArrayList<>();
        j.get("extensions").forEach(e -> extensions.add(e.asText()));
        assertEquals(RestFixture.INFO.extensions(), extensions);
    }

    @Test
    void modelMetadataOfABatchingModelHasLeadingMinusOne() {
        HttpResponse<byte[]> r = rest.get("/v2/models/add_sub");
        assertEquals(200, r.statusCode());
        JsonNode j = json(r);
        assertEquals("add_sub", j.get("name").asText());
        assertEquals("[\"1\",\"3\"]", j.get("versions").toString());
        assertEquals("fake_platform", j.get("platform").asText());
        assertEquals("[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,4]},"
                + "{\"name\":\"INPUT1\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]", j.get("inputs").toString());
        assertEquals("[{\"name\":\"OUTPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,4]},"
                + "{\"name\":\"OUTPUT1\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]", j.get("outputs").toString());
    }

    @Test
    void modelMetadataOfANonBatchingModelHasConfigDims() {
        JsonNode j = json(rest.get("/v2/models/nobatch/versions/1"));
        assertEquals("[2,3]", j.get("inputs").get(0).get("shape").toString());
        assertEquals("BYTES", json(rest.get("/v2/models/identity_bytes")).get("inputs").get(0).get("datatype")
                .asText());
    }

    @Test
    void modelMetadataOfAnUnknownModelIs404() {
        HttpResponse<byte[]> r = rest.get("/v2/models/nope");
        assertEquals(404, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(error(r).contains("nope"), error(r));
    }

    @Test
    void modelMetadataOfAnUnknownVersionIs404() {
        HttpResponse<byte[]> r = rest.get("/v2/models/add_sub/versions/2");
        assertEquals(404, r.statusCode());
        assertTrue(error(r).contains("version 2"), error(r));
    }

    @Test
    void nonNumericVersionIs400() {
        for (String path : List.of("/v2/models/add_sub/versions/one", "/v2/models/add_sub/versions/-1/ready",
                "/v2/models/add_sub/versions/1.5/config")) {
            HttpResponse<byte[]> r = rest.get(path);
            assertEquals(400, r.statusCode(), path);
            assertTrue(error(r).contains("version should be an integral value > 0"), error(r));
        }
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/versions/x/infer", "{}");
        assertEquals(400, r.statusCode());
        assertEquals(200, rest.get("/v2/models/add_sub/versions/3").statusCode());
    }

    @Test
    void modelMetadataOfAnUnavailableModelIs503() {
        HttpResponse<byte[]> r = rest.get("/v2/models/broken");
        assertEquals(503, r.statusCode());
        assertTrue(error(r).contains("not a valid ONNX file"), error(r));
    }

    @Test
    void modelReady() {
        assertEquals(200, rest.get("/v2/models/add_sub/ready").statusCode());
        assertEquals(200, rest.get("/v2/models/add_sub/versions/1/ready").statusCode());
        HttpResponse<byte[]> notReady = rest.get("/v2/models/broken/ready");
        assertEquals(400, notReady.statusCode());
        assertEquals(0, notReady.body().length);
        assertEquals(400, rest.get("/v2/models/add_sub/versions/2/ready").statusCode());
    }

    @Test
    void modelReadyOfAnUnknownModelIs404WithErrorBody() {
        HttpResponse<byte[]> r = rest.get("/v2/models/nope/ready");
        assertEquals(404, r.statusCode());
        assertTrue(error(r).contains("nope"), error(r));
    }

    @Test
    void percentEncodedModelNameIsDecoded() {
        assertEquals(200, rest.get("/v2/models/add%5Fsub/ready").statusCode());
    }

    @Test
    void modelConfigIsTheCompletedConfigInTritonsJsonFormat() {
        HttpResponse<byte[]> r = rest.get("/v2/models/add_sub/config");
        assertEquals(200, r.statusCode());
        JsonNode j = json(r);
        assertEquals("add_sub", j.get("name").asText());
        assertEquals(8, j.get("max_batch_size").asInt());
        assertTrue(j.get("max_batch_size").isInt());
        JsonNode in = j.get("input").get(0);
        assertEquals("INPUT0", in.get("name").asText());
        assertEquals("TYPE_FP32", in.get("data_type").asText());
        assertEquals("[4]", in.get("dims").toString());
        assertTrue(in.get("dims").get(0).isNumber(), "int64 dims are JSON numbers");
        assertEquals("FORMAT_NONE", in.get("format").asText(), "defaults are included");
        assertEquals(false, in.get("optional").asBoolean(true));
        assertEquals("KIND_CPU", j.get("instance_group").get(0).get("kind").asText());
        assertTrue(j.get("version_policy").get("all").isObject());
        assertTrue(j.get("parameters").isObject());
    }

    @Test
    void modelConfigOfAVersionAndOfUnknownModels() {
        assertEquals(200, rest.get("/v2/models/add_sub/versions/1/config").statusCode());
        assertEquals(404, rest.get("/v2/models/nope/config").statusCode());
        assertEquals(404, rest.get("/v2/models/add_sub/versions/9/config").statusCode());
        assertEquals(503, rest.get("/v2/models/broken/config").statusCode());
    }

    @Test
    void repositoryIndexListsEveryModelAsABareArray() {
        HttpResponse<byte[]> r = rest.post("/v2/repository/index", new byte[0]);
        assertEquals(200, r.statusCode());
        JsonNode j = json(r);
        assertTrue(j.isArray());
        JsonNode broken = find(j, "broken");
        assertEquals("UNAVAILABLE", broken.get("state").asText());
        assertEquals("model.onnx is not a valid ONNX file", broken.get("reason").asText());
        int addSubRows = 0;
        for (JsonNode e : j) {
            if (e.get("name").asText().equals("add_sub")) {
                addSubRows++;
                assertEquals("READY", e.get("state").asText());
                assertFalse(e.has("reason"), "Triton leaves an empty reason out");
            }
        }
        assertEquals(2, addSubRows);
    }

    @Test
    void repositoryIndexReadyOnly() {
        JsonNode j = json(rest.post("/v2/repository/index", "{\"ready\": true}"));
        for (JsonNode e : j) {
            assertEquals("READY", e.get("state").asText(), e.toString());
        }
        assertTrue(j.size() > 0);
        JsonNode all = json(rest.post("/v2/repository/index", "{\"ready\": false}"));
        assertEquals(j.size() + 1, all.size());
    }

    @Test
    void repositoryIndexWithARepositoryName() {
        HttpResponse<byte[]> r = rest.post("/v2/repository/models/index", "{}");
        assertEquals(200, r.statusCode());
        assertEquals(json(rest.post("/v2/repository/index", "")).size(), json(r).size());
    }

    @Test
    void repositoryIndexWithBadBodyIs400() {
        HttpResponse<byte[]> r = rest.post("/v2/repository/index", "{\"ready\": ");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("malformed JSON request body"), error(r));
        r = rest.post("/v2/repository/index", "{\"ready\": \"yes\"}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).contains("'ready'"), error(r));
        assertEquals(200, rest.post("/v2/repository/index", "").statusCode());
    }

    @Test
    void wrongMethodIs405() {
        HttpResponse<byte[]> r = rest.get("/v2/models/add_sub/infer");
        assertEquals(405, r.statusCode());
        assertTrue(error(r).contains("POST"), error(r));
        assertEquals("POST", r.headers().firstValue("allow").orElseThrow());
        r = rest.post("/v2/health/live", "");
        assertEquals(405, r.statusCode());
        assertTrue(error(r).contains("GET"), error(r));
        assertEquals(405, rest.get("/v2/repository/index").statusCode());
        assertEquals(405, rest.send(HttpRequest.newBuilder(rest.uri("/v2/models/add_sub"))
                .method("DELETE", HttpRequest.BodyPublishers.noBody())).statusCode());
        assertEquals(200, rest.get("/v2/health/live").statusCode());
    }

    @Test
    void unknownPathIs404NotFound() {
        for (String path : List.of("/", "/v1/models", "/v2/foo", "/v2/models", "/v2/models/add_sub/trace",
                "/v2/models/add_sub/versions", "/v2/health", "/v2/health/alive", "/v2/repository/a/b/index")) {
            HttpResponse<byte[]> r = rest.get(path);
            assertEquals(404, r.statusCode(), path);
            assertEquals("Not Found", error(r), path);
        }
        assertEquals(200, rest.get("/v2").statusCode());
    }

    @Test
    void queryStringIsIgnored() {
        assertEquals(200, rest.get("/v2/health/live?verbose=1").statusCode());
    }

    private static JsonNode find(JsonNode index, String name) {
        for (JsonNode e : index) {
            if (e.get("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no " + name + " in " + index);
    }
}
