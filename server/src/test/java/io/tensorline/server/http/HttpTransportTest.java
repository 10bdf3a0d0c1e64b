package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelRegistry;
import io.tensorline.server.repository.ModelVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static io.tensorline.server.http.HttpInferJsonTest.addSubInputs;
import static io.tensorline.server.http.HttpInferJsonTest.input;
import static io.tensorline.server.http.RestFixture.error;
import static io.tensorline.server.http.RestFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP-level behaviour: compression, body limits, keep-alive, pipelining, broken framing, lifecycle. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpTransportTest {

    private static final int SMALL_LIMIT = 4096;

    private RestFixture rest;

    @BeforeAll
    void start() {
        rest = new RestFixture(RestFixture.standardRegistry(),
                HttpFrontend.Options.defaults().withWorkerThreads(2).withMaxBodyBytes(SMALL_LIMIT));
    }

    @AfterAll
    void stop() {
        rest.close();
    }

    private static String goodInfer() {
        return "{\"inputs\":[" + addSubInputs("[1,2,3,4]", "[1,1,1,1]") + "]}";
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(b)) {
            z.write(data);
        }
        return b.toByteArray();
    }

    @Test
    void gzipRequestBodyIsDecompressed() throws IOException {
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer",
                gzip(goodInfer().getBytes(StandardCharsets.UTF_8)), "Content-Encoding", "gzip");
        assertEquals(200, r.statusCode(), RestFixture.text(r));
        assertEquals("[2.0,3.0,4.0,5.0]", json(r).get("outputs").get(0).get("data").toString());
    }

    @Test
    void deflateRequestBodyIsDecompressed() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream z = new DeflaterOutputStream(b)) {
            z.write(goodInfer().getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", b.toByteArray(), "Content-Encoding", "deflate");
        assertEquals(200, r.statusCode(), RestFixture.text(r));
    }

    @Test
    void responseIsGzippedWhenTheClientAcceptsIt() throws IOException {
        String data = "[" + "1.25,".repeat(499) + "1.25]";
        String body = "{\"inputs\":[" + input("INPUT0", "FP32", "[1,500]", data) + "]}";
        HttpResponse<byte[]> r = rest.post("/v2/models/identity_fp32/infer", body.getBytes(StandardCharsets.UTF_8),
                "Accept-Encoding", "gzip");
        assertEquals(200, r.statusCode());
        assertEquals("gzip", r.headers().firstValue("content-encoding").orElseThrow());
        byte[] plain = new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes();
        JsonNode out = RestFixture.JSON.readTree(plain).get("outputs").get(0);
        assertEquals(500, out.get("data").size());
    }

    @Test
    void tooLargeBodyIs413WithJsonErrorAndTheServerKeepsServing() {
        String big = "{\"pad\":\"" + "x".repeat(SMALL_LIMIT) + "\"}";
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", big);
        assertEquals(413, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(error(r).contains("larger than the limit of 4096 bytes"), error(r));
        assertEquals(200, rest.post("/v2/models/add_sub/infer", goodInfer()).statusCode());
    }

    @Test
    void bodyLimitAppliesAfterDecompression() throws IOException {
        byte[] zeros = ("{\"pad\":\"" + "0".repeat(SMALL_LIMIT * 4) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] packed = gzip(zeros);
        assertTrue(packed.length < SMALL_LIMIT);
        HttpResponse<byte[]> r = rest.post("/v2/models/add_sub/infer", packed, "Content-Encoding", "gzip");
        assertEquals(413, r.statusCode());
        assertEquals(200, rest.post("/v2/models/add_sub/infer", goodInfer()).statusCode());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send(RawHttp.post("/v2/models/add_sub/infer", goodInfer()) + RawHttp.get("/v2/health/live")
                    + RawHttp.get("/v2/models/nope") + RawHttp.get("/v2"));
            RawHttp.Response infer = raw.read();
            assertEquals(200, infer.status());
            assertTrue(infer.text().contains("\"model_name\":\"add_sub\""), infer.text());
            RawHttp.Response live = raw.read();
            assertEquals(200, live.status());
            assertEquals(0, live.body().length);
            assertEquals(404, raw.read().status());
            RawHttp.Response meta = raw.read();
            assertTrue(meta.text().contains("\"name\":\"triton\""), meta.text());
            // still open: keep-alive
            raw.send(RawHttp.get("/v2/health/live"));
            assertEquals(200, raw.read().status());
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertEquals(200, r.status());
            assertEquals("close", r.headers().get("connection"));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send("GET /v2/health/live HTTP/1.0\r\n\r\n");
            assertEquals(200, raw.read().status());
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void http10KeepAliveIsConfirmedAndHonoured() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send("GET /v2/health/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertEquals(200, r.status());
            assertEquals("keep-alive", r.headers().get("connection"));
            raw.send("GET /v2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
    }

    @Test
    void brokenFramingGets400AndACleanClose() throws IOException {
        try (RawHttp raw = new RawHttp(rest.frontend.port())) {
            raw.send("THIS IS NOT HTTP AT ALL\r\nbad header line without colon\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertEquals(400, r.status());
            assertTrue(r.text().contains("malformed HTTP request"), r.text());
            assertTrue(raw.closedByServer());
        }
        assertEquals(200, rest.get("/v2/health/live").statusCode());
    }

    @Test
    void unexpectedExceptionIs500AndTheConnectionKeepsServing() throws IOException {
        ModelRegistry exploding = new ExplodingRegistry();
        InferenceServer server = new InferenceServer(exploding, RestFixture.INFO);
        try (HttpFrontend frontend = new HttpFrontend(server, HttpFrontend.Options.defaults().withWorkerThreads(1))) {
            frontend.start("127.0.0.1", 0);
            try (RawHttp raw = new RawHttp(frontend.port())) {
                raw.send(RawHttp.post("/v2/repository/index", ""));
                RawHttp.Response r = raw.read();
                assertEquals(500, r.status());
                assertEquals("{\"error\":\"index exploded\"}", r.text());
                raw.send(RawHttp.get("/v2/health/live"));
                assertEquals(200, raw.read().status());
            }
        }
    }

    @Test
    void frontendOwnsNamedThreadsAndStopsThemOnClose() throws IOException, InterruptedException {
        Set<Thread> before = httpThreads();
        HttpFrontend frontend = new HttpFrontend(rest.server, HttpFrontend.Options.defaults().withWorkerThreads(1));
        frontend.start("127.0.0.1", 0);
        try (RawHttp raw = new RawHttp(frontend.port())) {
            raw.send(RawHttp.get("/v2/health/live"));
            assertEquals(200, raw.read().status());
        }
        Set<Thread> mine = httpThreads();
        mine.removeAll(before);
        Set<String> names = new HashSet<>();
        mine.forEach(t -> names.add(t.getName()));
        assertEquals(Set.of("http-boss", "http-worker-0"), names);
        frontend.close();
        for (Thread t : mine) {
            // Netty completes the termination future just before the thread returns: allow it to finish unwinding
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " still alive 10 s after close");
        }
        frontend.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> frontend.start("127.0.0.1", 0));
    }

    @Test
    void portBeforeStartAndDoubleStartAreRejected() throws IOException {
        try (HttpFrontend frontend = new HttpFrontend(rest.server, HttpFrontend.Options.defaults())) {
            assertThrows(IllegalStateException.class, frontend::port);
            frontend.start("127.0.0.1", 0);
            assertTrue(frontend.port() > 0);
            assertThrows(IllegalStateException.class, () -> frontend.start("127.0.0.1", 0));
        }
    }

    @Test
    void bindingABusyPortFailsWithIOException() throws IOException {
        try (HttpFrontend other = new HttpFrontend(rest.server, HttpFrontend.Options.defaults())) {
            assertThrows(IOException.class, () -> other.start("127.0.0.1", rest.frontend.port()));
        }
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new HttpFrontend.Options(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new HttpFrontend.Options(1, 0));
        assertEquals(64 * 1024 * 1024, HttpFrontend.Options.defaults().maxBodyBytes());
    }

    @Test
    void defaultClientWithUpgradeAttemptIsServed() {
        java.net.http.HttpClient http2 = java.net.http.HttpClient.newHttpClient(); // tries h2c upgrade
        try {
            HttpResponse<String> viaDefault = http2.send(HttpRequest.newBuilder(rest.uri("/v2/health/live"))
                    .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, viaDefault.statusCode());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static Set<Thread> httpThreads() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("http-")) {
                out.add(t);
            }
        }
        return out;
    }

    /** A registry whose index() fails with a bug-like exception. */
    private static final class ExplodingRegistry implements ModelRegistry {
        @Override
        public ModelVersion resolve(String name, String version) {
            throw InferenceException.notFound("unknown model: '%s'", name);
        }

        @Override
        public boolean isReady(String name, String version) {
            return false;
        }

        @Override
        public boolean contains(String name) {
            return false;
        }

        @Override
        public List<Long> readyVersions(String name) {
            return List.of();
        }

        @Override
        public List<ModelIndexEntry> index() {
            throw new IllegalStateException("index exploded");
        }

        @Override
        public boolean allReady() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
