package io.tensorline.server.e2e;

import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metrics port on Netty: many open connections and slow-header connections do not keep a scrape waiting. */
class MetricsConnectionsTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        SimulatedModels.write(repo, "echo", 4, 0);
        server = TensorlineServer.start(TestServers.withMetrics(repo));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> scrape() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void scrapesAreAnsweredWhileManyConnectionsSendHeadersSlowly() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = new Socket("127.0.0.1", server.metricsPort());
                s.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            HttpResponse<String> r = scrape();
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("nv_inference_request_success"), r.body());
            // and the slow ones are still served once their headers are complete
            Socket s = slow.get(0);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write("ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(reply.startsWith("HTTP/1.1 200 OK"), reply);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertEquals(404, HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort()
                + "/other")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(405, HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort()
                + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
