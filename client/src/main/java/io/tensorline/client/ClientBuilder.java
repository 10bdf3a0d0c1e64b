package io.tensorline.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/** Settings of a {@link TensorlineClient}; start from {@link TensorlineClient#grpc} or {@link TensorlineClient#http}. */
public final class ClientBuilder {

    enum Protocol { GRPC, HTTP }

    final Protocol protocol;
    final String target;
    boolean tls;
    Path trustCertificates;
    SSLContext sslContext;
    Duration defaultDeadline;
    int maxMessageBytes = 256 * 1024 * 1024;
    boolean binary = true;

    ClientBuilder(Protocol protocol, String target) {
        this.protocol = protocol;
        this.target = Objects.requireNonNull(target, "target");
    }

    /** TLS with the JVM's default trust store (REST: implied by an {@code https://} URL). */
    public ClientBuilder tls() {
        this.tls = true;
        return this;
    }

    /** TLS trusting the PEM certificate(s) in this file (a private CA or the server's self-signed certificate). */
    public ClientBuilder tls(Path trustCertificatesPem) {
        this.tls = true;
        this.trustCertificates = Objects.requireNonNull(trustCertificatesPem, "trustCertificatesPem");
        return this;
    }

    /** REST only: TLS with a ready-made SSL context (client certificates, custom trust). */
    public ClientBuilder sslContext(SSLContext context) {
        this.tls = true;
        this.sslContext = Objects.requireNonNull(context, "context");
        return this;
    }

    /** The deadline of calls whose request sets none (default: none, wait as long as it takes). */
    public ClientBuilder defaultDeadline(Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("defaultDeadline: " + deadline + " (expected: > 0)");
        }
        this.defaultDeadline = deadline;
        return this;
    }

    /** gRPC only: the largest response message accepted (default 256 MiB). */
    public ClientBuilder maxMessageBytes(int bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes: " + bytes + " (expected: >= 1024)");
        }
        this.maxMessageBytes = bytes;
        return this;
    }

    /**
     * REST only: send tensors with the binary tensor extension (default) or as JSON arrays. FP16 and BF16 inputs
     * always go binary, since JSON has no form for them.
     */
    public ClientBuilder binaryData(boolean binary) {
        this.binary = binary;
        return this;
    }

    public TensorlineClient build() {
        return protocol == Protocol.GRPC ? GrpcTensorlineClient.create(this) : HttpTensorlineClient.create(this);
    }
}
