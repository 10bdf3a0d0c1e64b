package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.net.TestCertificates;
import io.tensorline.server.net.TlsSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS on every port, with certificates made in the test: gRPC and HTTP under mutual TLS (a client without a
 * certificate, or with one the root does not sign, is refused), metrics under one-way TLS.
 */
class TlsEndToEndTest {

    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static TestCertificates.Issued client;
    private static TensorlineServer server;

    @BeforeAll
    static void start() throws Exception {
        certs = new TestCertificates();
        Path ca = certs.writeCa(dir);
        TestCertificates.Files2 serverFiles = certs.server("tensorline-server").write(dir, "server");
        client = certs.client("tensorline-client");
        TlsSettings mutual = new TlsSettings(serverFiles.certificate(), serverFiles.key(), ca, true);
        TlsSettings oneWay = new TlsSettings(serverFiles.certificate(), serverFiles.key(), null, false);
        Path repo = dir.resolve("repo");
        SimulatedModels.write(repo, "echo", 4, 0);
        server = TensorlineServer.start(TestServers.withMetrics(repo),
                NetworkOptions.defaults().withTls(mutual, mutual, oneWay, 1000));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ManagedChannel grpcChannel(TestCertificates.Issued clientCert) throws IOException {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(certs.ca().certificate());
        if (clientCert != null) {
            ssl.keyManager(clientCert.keys().getPrivate(), clientCert.certificate());
        }
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).sslContext(ssl.build()).build();
    }

    private static HttpResponse<String> get(SSLContext ssl, int port, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(30)).build();
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(ManagedChannel channel) throws InterruptedException {
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .serverLive(ServerLiveRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        } finally {
            TestServers.close(channel);
        }
    }

    @Test
    void grpcWithAClientCertificateIsServed() throws Exception {
        ManagedChannel channel = grpcChannel(client);
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
            ModelInferResponse r = stub.modelInfer(SimulatedModels.request("echo", 4, 7));
            assertEquals(7f, Tensors.toFloats(r.getRawOutputContents(0))[0]);
        } finally {
            TestServers.close(channel);
        }
    }

    @Test
    void grpcWithoutAClientCertificateIsRefused() throws Exception {
        assertRefused(grpcChannel(null));
    }

    @Test
    void grpcWithACertificateFromAnotherIssuerIsRefused() throws Exception {
        assertRefused(grpcChannel(TestCertificates.selfSigned("stranger")));
    }

    @Test
    void grpcInPlainTextIsRefused() throws Exception {
        assertRefused(TestServers.channel(server));
    }

    @Test
    void httpWithAClientCertificateIsServed() throws Exception {
        HttpResponse<String> r = get(certs.clientContext(client), server.httpPort(), "/v2/health/live");
        assertEquals(200, r.statusCode());
    }

    @Test
    void httpWithoutAClientCertificateIsRefused() throws Exception {
        SSLContext noCert = certs.clientContext(null);
        assertThrows(IOException.class, () -> get(noCert, server.httpPort(), "/v2/health/live"));
    }

    @Test
    void metricsAreServedOverTls() throws Exception {
        HttpResponse<String> r = get(certs.clientContext(null), server.metricsPort(), "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("nv_inference_request_success"), r.body());
    }
}
