package io.tensorline.client;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.tensorline.server.grpc.InferenceGrpcService;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS: a self-signed certificate made with the JDK's keytool; gRPC against the real inference service behind a TLS
 * port, REST against the JDK's HTTPS server answering the health endpoint (the Tensorline REST transport has no TLS).
 */
class TlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @Test
    void grpcOverTlsTrustingTheServersCertificate(@TempDir Path dir) throws Exception {
        Path keystore = selfSigned(dir);
        Path cert = exportPem(dir, keystore);
        try (InProcessServer tensorline = InProcessServer.start(InProcessServer.repository(dir.resolve("repo"), "mlp"))) {
            Server tls = Grpc.newServerBuilderForPort(0, TlsServerCredentials.newBuilder()
                            .keyManager(keyManagers(keystore).getKeyManagers()).build())
                    .addService(new InferenceGrpcService(tensorline.server().core())).build().start();
            try {
                try (TensorlineClient c = TensorlineClient.grpc("localhost:" + tls.getPort()).tls(cert).build()) {
                    InferResult r = c.infer(InferRequest.builder("mlp")
                            .input(InferTensor.fp32("INPUT0", new float[] {1, 2, 3, 4}, 1, 4)).build());
                    try (TensorlineClient plain = tensorline.client("grpc")) {
                        assertArrayEquals(plain.infer(InferRequest.builder("mlp")
                                .input(InferTensor.fp32("INPUT0", new float[] {1, 2, 3, 4}, 1, 4)).build())
                                .output("OUTPUT0").asFloats(), r.output("OUTPUT0").asFloats());
                    }
                }
                // without the certificate the JVM's trust store refuses the handshake
                try (TensorlineClient c = TensorlineClient.grpc("localhost:" + tls.getPort()).tls().build()) {
                    assertEquals(TensorlineException.Status.UNAVAILABLE,
                            assertThrows(TensorlineException.class, c::isServerLive).status());
                }
            } finally {
                tls.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void restOverHttpsTrustingTheServersCertificate(@TempDir Path dir) throws Exception {
        Path keystore = selfSigned(dir);
        Path cert = exportPem(dir, keystore);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(keystore).getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx));
        https.createContext("/v2/health/live", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        https.start();
        try (TensorlineClient c = TensorlineClient.http("https://localhost:" + https.getAddress().getPort())
                .tls(cert).build()) {
            assertTrue(c.isServerLive());
        } finally {
            https.stop(0);
        }
    }

    private static Path selfSigned(Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        run(List.of(keytool(), "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", new String(PASSWORD)));
        return keystore;
    }

    private static Path exportPem(Path dir, Path keystore) throws Exception {
        Path pem = dir.resolve("server.pem");
        run(List.of(keytool(), "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-file", pem.toString()));
        return pem;
    }

    private static KeyManagerFactory keyManagers(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        return kmf;
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, p.exitValue(), out);
    }
}
