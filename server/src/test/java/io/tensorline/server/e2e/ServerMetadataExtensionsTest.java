package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ServerMetadata names exactly the extensions this server serves, in Triton's order, on both transports. */
class ServerMetadataExtensionsTest {

    /** Each has its tests: ClassificationTest, GrpcEndToEndTest, HttpInferBinaryTest, ..., TracingEndToEndTest, LoggingExtensionTest. */
    private static final List<String> SERVED = List.of("classification", "model_repository",
            "model_repository(unload_dependents)", "model_configuration", "binary_tensor_data",
            "parameters", "statistics", "trace", "logging");

    private static LiveServer live;

    @BeforeAll
    static void start() throws Exception {
        live = LiveServer.start(TestServers.TEST_REPOSITORY);
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    @Test
    void grpcListsExactlyTheServedExtensions() {
        ServerMetadataResponse m = live.stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("tensorline", m.getName());
        assertEquals(SERVED, m.getExtensionsList());
    }

    @Test
    void restListsExactlyTheServedExtensions() throws Exception {
        HttpResponse<String> r = live.http.send(live.request("/v2").GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode j = LiveServer.JSON.readTree(r.body());
        assertEquals("tensorline", j.get("name").asText());
        List<String> extensions = new ArrayList<>();
        j.get("extensions").forEach(e -> extensions.add(e.asText()));
        assertEquals(SERVED, extensions);
    }
}
