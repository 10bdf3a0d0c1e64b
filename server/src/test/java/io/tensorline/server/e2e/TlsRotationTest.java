package io.tensorline.server.e2e;

import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.net.TestCertificates;
import io.tensorline.server.net.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Certificates rotate without a restart: new files, and the next handshake on every port presents them. */
class TlsRotationTest {

    @TempDir
    Path dir;

    private static String presented(SSLContext ssl, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    private TestCertificates certs;
    private TestCertificates.Files2 files;

    /** Every port (or only HTTP) on TLS from one pair of files, which every handshake looks at (interval 0). */
    private TensorlineServer start(boolean allPorts) throws Exception {
        certs = new TestCertificates();
        files = certs.server("first").write(dir, "server");
        TlsSettings tls = new TlsSettings(files.certificate(), files.key(), null, false);
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo);
        return TensorlineServer.start(TestServers.withMetrics(repo),
                NetworkOptions.defaults().withTls(allPorts ? tls : null, tls, allPorts ? tls : null, 0));
    }

    @Test
    void aRotatedCertificateIsServedWithoutARestart() throws Exception {
        try (TensorlineServer server = start(true)) {
            SSLContext client = certs.clientContext(null);
            for (int port : new int[] {server.grpcPort(), server.httpPort(), server.metricsPort()}) {
                assertEquals("CN=first", presented(client, port));
            }
            certs.server("second").writeTo(files.certificate(), files.key());
            for (int port : new int[] {server.grpcPort(), server.httpPort(), server.metricsPort()}) {
                assertEquals("CN=second", presented(client, port));
            }
        }
    }

    @Test
    void aHalfWrittenRotationKeepsTheOldCertificate() throws Exception {
        try (TensorlineServer server = start(false)) {
            SSLContext client = certs.clientContext(null);
            // a new certificate whose key has not been written yet: the pair does not match
            TestCertificates.Issued next = certs.server("second");
            Path scratchKey = dir.resolve("scratch.key");
            next.writeTo(files.certificate(), scratchKey);
            assertEquals("CN=first", presented(client, server.httpPort()));
            Files.copy(scratchKey, files.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(files.key(), java.nio.file.attribute.FileTime.from(
                    Files.getLastModifiedTime(files.key()).toInstant().plusSeconds(10)));
            assertEquals("CN=second", presented(client, server.httpPort()));
        }
    }
}
