package io.tensorline.server.net;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made in the test with BouncyCastle: a CA, server certificates for 127.0.0.1 / localhost signed by
 * it, and client certificates; written as the PEM files the server's flags take.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate with its key. */
    public record Issued(X509Certificate certificate, KeyPair keys) {

        /** Writes {@code <name>.crt} and {@code <name>.key} (PKCS#8) into {@code dir}. */
        public Files2 write(Path dir, String name) throws IOException {
            Path crt = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            writeTo(crt, key);
            return new Files2(crt, key);
        }

        /** Overwrites the files and moves their modification time on, as a rotation would. */
        public void writeTo(Path crt, Path key) throws IOException {
            FileTime before = Files.exists(crt) ? Files.getLastModifiedTime(crt) : null;
            Files.writeString(crt, pem("CERTIFICATE", encoded(certificate)));
            Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            if (before != null) {
                // file systems with coarse timestamps could otherwise show no change
                FileTime later = FileTime.from(before.toInstant().plusSeconds(5));
                Files.setLastModifiedTime(crt, later);
                Files.setLastModifiedTime(key, later);
            }
        }

        public String commonName() {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    public record Files2(Path certificate, Path key) {
    }

    private final Issued ca;

    public TestCertificates() throws Exception {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=Tensorline Test CA");
        X509v3CertificateBuilder b = builder(name, name, keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = new Issued(sign(b, keys), keys);
    }

    public Issued ca() {
        return ca;
    }

    /** Writes the CA certificate as PEM. */
    public Path writeCa(Path dir) throws IOException {
        Path p = dir.resolve("ca.crt");
        Files.writeString(p, pem("CERTIFICATE", encoded(ca.certificate())));
        return p;
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public Issued server(String commonName) throws Exception {
        KeyPair keys = keyPair();
        X509v3CertificateBuilder b = builder(new X500Name("CN=Tensorline Test CA"), new X500Name("CN=" + commonName),
                keys);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        return new Issued(sign(b, ca.keys()), keys);
    }

    /** A client certificate signed by this CA. */
    public Issued client(String commonName) throws Exception {
        KeyPair keys = keyPair();
        return new Issued(sign(builder(new X500Name("CN=Tensorline Test CA"), new X500Name("CN=" + commonName), keys),
                ca.keys()), keys);
    }

    /** A self-signed certificate no server trusts. */
    public static Issued selfSigned(String commonName) throws Exception {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=" + commonName);
        return new Issued(sign(builder(name, name, keys), keys), keys);
    }

    /** A client SSL context trusting this CA, presenting {@code client} when not null. */
    public SSLContext clientContext(Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", client.keys().getPrivate(), new char[0],
                    new X509Certificate[] {client.certificate()});
            kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
