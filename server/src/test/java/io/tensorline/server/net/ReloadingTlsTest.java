package io.tensorline.server.net;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReloadingTlsTest {

    @TempDir
    Path dir;

    @Test
    void onlyTls12AndTls13AreOffered() throws Exception {
        TestCertificates certs = new TestCertificates();
        TestCertificates.Files2 f = certs.server("s").write(dir, "s");
        ReloadingTls tls = new ReloadingTls(new TlsSettings(f.certificate(), f.key(), certs.writeCa(dir), true),
                System::nanoTime, 0);
        SSLEngine engine = NettyListener.sslContext(tls).newEngine(ByteBufAllocator.DEFAULT);
        assertEquals(Set.of("TLSv1.2", "TLSv1.3"), Set.of(engine.getEnabledProtocols()));
        assertTrue(engine.getNeedClientAuth());
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefusedAtStart() throws Exception {
        TestCertificates certs = new TestCertificates();
        TestCertificates.Files2 a = certs.server("a").write(dir, "a");
        TestCertificates.Files2 b = certs.server("b").write(dir, "b");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReloadingTls(
                new TlsSettings(a.certificate(), b.key(), null, false), System::nanoTime, 0));
        assertTrue(e.getMessage().contains("the key does not belong to the certificate"), e.getMessage());
    }

    @Test
    void aKeyInAnotherFormatNamesTheConversion() throws Exception {
        TestCertificates certs = new TestCertificates();
        TestCertificates.Files2 a = certs.server("a").write(dir, "a");
        Files.writeString(a.key(), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReloadingTls(
                new TlsSettings(a.certificate(), a.key(), null, false), System::nanoTime, 0));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
    }
}
