package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.net.RestrictedApis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restricted APIs on all three ports, with Triton's refusals; the open groups stay open. */
class RestrictedApisEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        SimulatedModels.write(repo, "echo", 4, 0);
        server = TensorlineServer.start(TestServers.withMetrics(repo), NetworkOptions.defaults().withRestricted(
                RestrictedApis.parse(List.of("inference,model-config:infer-key=s3cret"), "protocol",
                        RestrictedApis.tritonGroups()),
                RestrictedApis.parse(List.of("model-config,statistics:Admin-Key=adm1n"), "api",
                        RestrictedApis.tritonGroups()),
                RestrictedApis.parse(List.of("metrics:scrape=pr0m"), "api", List.of(RestrictedApis.Group.METRICS))));
        channel = TestServers.channel(server);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(String key, String value) {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub s = GRPCInferenceServiceGrpc
                .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        if (key == null) {
            return s;
        }
        Metadata m = new Metadata();
        m.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
        return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static HttpResponse<String> get(int port, String path, String header, String value) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(30));
        if (header != null) {
            b.header(header, value);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void grpcRestrictedCallWithoutTheHeaderIsRefusedWithTritonsStatus() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub(null, null).modelInfer(SimulatedModels.request("echo", 4, 1)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'",
                e.getStatus().getDescription());
    }

    @Test
    void grpcRestrictedCallWithAWrongValueIsRefused() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub("triton-grpc-protocol-infer-key", "s3creT").modelInfer(SimulatedModels.request("echo", 4, 1)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    @Test
    void grpcRestrictedCallWithTheHeaderIsServed() {
        ModelInferResponse r = stub("triton-grpc-protocol-infer-key", "s3cret")
                .modelInfer(SimulatedModels.request("echo", 4, 3));
        assertEquals(3f, Tensors.toFloats(r.getRawOutputContents(0))[0]);
    }

    @Test
    void grpcOpenGroupsNeedNoHeader() {
        assertTrue(stub(null, null).serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    }

    @Test
    void grpcStreamWithoutTheHeaderIsFinishedBeforeReading() throws Exception {
        LinkedBlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        StreamObserver<io.tensorline.proto.ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS).modelStreamInfer(SimulatedModels.into(seen));
        requests.onNext(SimulatedModels.request("echo", 4, 1));
        StatusRuntimeException e = assertInstanceOf(StatusRuntimeException.class, seen.poll(30, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'",
                e.getStatus().getDescription());
    }

    @Test
    void restRestrictedPathWithoutTheHeaderIs403WithTritonsText() throws Exception {
        HttpResponse<String> r = get(server.httpPort(), "/v2/models/echo/config", null, null);
        assertEquals(403, r.statusCode());
        assertEquals("{\"error\":\"This API is restricted, expecting header 'Admin-Key'\"}", r.body());
        assertEquals(403, get(server.httpPort(), "/v2/models/stats", "Admin-Key", "wrong").statusCode());
    }

    @Test
    void restRestrictedPathWithTheHeaderIsServed() throws Exception {
        HttpResponse<String> r = get(server.httpPort(), "/v2/models/echo/config", "admin-key", "adm1n");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"name\":\"echo\""), r.body());
    }

    @Test
    void restOpenGroupsNeedNoHeader() throws Exception {
        assertEquals(200, get(server.httpPort(), "/v2/health/live", null, null).statusCode());
        assertEquals(200, get(server.httpPort(), "/v2/models/echo", null, null).statusCode());
    }

    @Test
    void metricsRestrictedWithoutTheHeaderIs403AndWithItServed() throws Exception {
        HttpResponse<String> refused = get(server.metricsPort(), "/metrics", null, null);
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("This API is restricted, expecting header 'scrape'"), refused.body());
        HttpResponse<String> served = get(server.metricsPort(), "/metrics", "scrape", "pr0m");
        assertEquals(200, served.statusCode());
        assertTrue(served.body().contains("nv_inference_request_success"), served.body());
    }
}
