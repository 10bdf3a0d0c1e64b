package io.tensorline.server.net;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS on one listener, Triton's {@code --grpc-use-ssl*} pattern: PEM server certificate chain and PKCS#8 key, and
 * for mutual TLS the PEM root certificates that client certificates must chain to.
 *
 * @param mutual true requires and verifies a client certificate
 * @param root   null unless {@code mutual}
 */
public record TlsSettings(Path certificate, Path key, Path root, boolean mutual) {

    public TlsSettings {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        if (mutual && root == null) {
            throw new IllegalArgumentException("mutual TLS needs a root certificate (expected: a PEM file)");
        }
    }
}
