package io.tensorline.server.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The key and trust managers of one TLS listener, reloaded from their PEM files when the files change, so
 * certificates rotate without a restart. Handshakes look at the files' modification times and sizes at most once
 * per {@code checkIntervalNanos} (a few {@code stat} calls); when they differ the files are read again, and a set
 * that does not load (say, half written) keeps the previous one in use and is tried again at the next check.
 *
 * <p>A handshake asks the key manager for an alias, then for that alias's chain and key in separate calls: each
 * loaded generation has its own alias and the previous generation is kept, so a reload between those calls
 * cannot pair one generation's chain with another's key. Thread-safe: the current state is one volatile record.
 */
public final class ReloadingTls {

    private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);

    private record Stamp(List<Long> modified, List<Long> sizes) {
    }

    private record Generation(String alias, X509ExtendedKeyManager keys, X509ExtendedTrustManager trust,
                              Stamp stamp) {
    }

    private final TlsSettings settings;
    private final LongSupplier nanoClock;
    private final long checkIntervalNanos;
    private final Object reloadLock = new Object();
    private volatile Generation current;
    private volatile Generation previous;
    private volatile long nextCheck;
    private int generations;

    /**
     * Loads the files now.
     *
     * @throws IllegalArgumentException when they cannot be read or do not hold a usable certificate and key
     */
    public ReloadingTls(TlsSettings settings, LongSupplier nanoClock, long checkIntervalNanos) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.checkIntervalNanos = checkIntervalNanos;
        try {
            current = load(stamp());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load TLS files " + files() + ": " + e.getMessage(), e);
        }
        nextCheck = nanoClock.getAsLong() + checkIntervalNanos;
    }

    public TlsSettings settings() {
        return settings;
    }

    /** The key manager to build an SSL context with; it serves the current certificate. */
    public KeyManager keyManager() {
        return new Keys();
    }

    /** The trust manager verifying client certificates against the current root, or null without mutual TLS. */
    public TrustManager trustManager() {
        return settings.mutual() ? new Trust() : null;
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>(List.of(settings.certificate(), settings.key()));
        if (settings.root() != null) {
            files.add(settings.root());
        }
        return files;
    }

    private Stamp stamp() throws IOException {
        List<Long> modified = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        for (Path p : files()) {
            modified.add(Files.getLastModifiedTime(p).toMillis());
            sizes.add(Files.size(p));
        }
        return new Stamp(modified, sizes);
    }

    private Generation load(Stamp stamp) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = Pem.certificates(settings.certificate());
        PrivateKey key = Pem.privateKey(settings.key());
        if (!matches(key, chain.get(0))) {
            throw new GeneralSecurityException("the key does not belong to the certificate " + settings.certificate());
        }
        String alias = "generation-" + (++generations);
        char[] none = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(alias, key, none, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, none);
        X509ExtendedTrustManager trust = null;
        if (settings.root() != null) {
            KeyStore roots = KeyStore.getInstance("PKCS12");
            roots.load(null, null);
            int i = 0;
            for (X509Certificate c : Pem.certificates(settings.root())) {
                roots.setCertificateEntry("root-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(roots);
            trust = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        }
        return new Generation(alias, (X509ExtendedKeyManager) kmf.getKeyManagers()[0], trust, stamp);
    }

    /** Whether the key signs what the certificate's public key verifies (a certificate and key written apart). */
    private static boolean matches(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm());
        }
        byte[] probe = "tensorline key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
            return false;
        }
    }

    /** The generation to use now, reloading first when the check interval has passed and the files changed. */
    Generation current() {
        long now = nanoClock.getAsLong();
        if (now - nextCheck >= 0) {
            synchronized (reloadLock) {
                if (now - nextCheck >= 0) {
                    nextCheck = now + checkIntervalNanos;
                    reloadIfChanged();
                }
            }
        }
        return current;
    }

    private void reloadIfChanged() {
        Generation g = current;
        try {
            Stamp stamp = stamp();
            if (stamp.equals(g.stamp())) {
                return;
            }
            Generation next = load(stamp);
            previous = g;
            current = next;
            log.info("TLS certificates reloaded from {} ({})", settings.certificate(), next.alias());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            log.warn("TLS files {} changed but do not load ({}); still serving {}", files(), e.getMessage(),
                    g.alias());
        }
    }

    private X509ExtendedKeyManager keysFor(String alias) {
        Generation c = current;
        if (c.alias().equals(alias)) {
            return c.keys();
        }
        Generation p = previous;
        return p != null && p.alias().equals(alias) ? p.keys() : null;
    }

    private final class Keys extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return current().keys().chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return current().keys().chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return current().keys().getServerAliases(keyType, issuers);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            X509ExtendedKeyManager k = keysFor(alias);
            return k == null ? null : k.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            X509ExtendedKeyManager k = keysFor(alias);
            return k == null ? null : k.getPrivateKey(alias);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    private final class Trust extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            current().trust().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            current().trust().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current().trust().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("this trust manager verifies clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("this trust manager verifies clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this trust manager verifies clients only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current().trust().getAcceptedIssuers();
        }
    }
}
