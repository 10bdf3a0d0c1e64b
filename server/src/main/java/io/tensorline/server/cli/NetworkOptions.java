package io.tensorline.server.cli;

import io.tensorline.server.grpc.GrpcSettings;
import io.tensorline.server.net.RestrictedApis;
import io.tensorline.server.net.TlsSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The network and security settings of {@code tensorline serve} (TLS, restricted APIs, connection limits, drain),
 * kept apart from {@link ServeOptions} so each grows alone. Triton's flag names where Triton has the setting;
 * HTTP and metrics TLS and the metrics restriction follow the same pattern.
 *
 * @param grpcTls            null: plain text
 * @param httpTls            null: plain text
 * @param metricsTls         null: plain text
 * @param metricsAddress     null: the HTTP address (Triton's default)
 * @param tlsCheckIntervalMs how often a handshake may look whether the certificate files changed
 * @param exitTimeoutSecs    how long a shutdown waits for accepted requests before failing them with UNAVAILABLE
 */
public record NetworkOptions(TlsSettings grpcTls, TlsSettings httpTls, TlsSettings metricsTls,
                             RestrictedApis grpcRestricted, RestrictedApis httpRestricted,
                             RestrictedApis metricsRestricted, String metricsAddress, GrpcSettings grpc,
                             long httpHeaderTimeoutSecs, int httpMaxConnections, int maxInFlightRequests,
                             long tlsCheckIntervalMs, int exitTimeoutSecs) {

    /** Plain text everywhere, nothing restricted, the flag defaults. */
    public static NetworkOptions defaults() {
        return new NetworkOptions(null, null, null, RestrictedApis.NONE, RestrictedApis.NONE, RestrictedApis.NONE,
                null, GrpcSettings.defaults(), 30, 10_000, 16_384, 1000, 30);
    }

    public NetworkOptions withExitTimeoutSecs(int value) {
        return new NetworkOptions(grpcTls, httpTls, metricsTls, grpcRestricted, httpRestricted, metricsRestricted,
                metricsAddress, grpc, httpHeaderTimeoutSecs, httpMaxConnections, maxInFlightRequests,
                tlsCheckIntervalMs, value);
    }

    public NetworkOptions withTls(TlsSettings grpcValue, TlsSettings httpValue, TlsSettings metricsValue,
                                  long checkIntervalMs) {
        return new NetworkOptions(grpcValue, httpValue, metricsValue, grpcRestricted, httpRestricted,
                metricsRestricted, metricsAddress, grpc, httpHeaderTimeoutSecs, httpMaxConnections,
                maxInFlightRequests, checkIntervalMs, exitTimeoutSecs);
    }

    public NetworkOptions withRestricted(RestrictedApis grpcValue, RestrictedApis httpValue,
                                         RestrictedApis metricsValue) {
        return new NetworkOptions(grpcTls, httpTls, metricsTls, grpcValue, httpValue, metricsValue, metricsAddress,
                grpc, httpHeaderTimeoutSecs, httpMaxConnections, maxInFlightRequests, tlsCheckIntervalMs,
                exitTimeoutSecs);
    }

    public NetworkOptions withGrpc(GrpcSettings value) {
        return new NetworkOptions(grpcTls, httpTls, metricsTls, grpcRestricted, httpRestricted, metricsRestricted,
                metricsAddress, value, httpHeaderTimeoutSecs, httpMaxConnections, maxInFlightRequests,
                tlsCheckIntervalMs, exitTimeoutSecs);
    }

    /** Declares the flags on the serve command's parser. */
    public static Flags declare(Flags f) {
        for (String port : List.of("grpc", "http", "metrics")) {
            f.declareBool(port + "-use-ssl", false, "serve " + port + " over TLS 1.2+")
                    .declareBool(port + "-use-ssl-mutual", false,
                            "TLS with client certificates required and verified against --" + port + "-root-cert")
                    .declare(port + "-server-cert", "PEM", "", port + " server certificate chain (reloaded on change)")
                    .declare(port + "-server-key", "PEM", "", port + " server private key, PKCS#8 (reloaded on change)")
                    .declare(port + "-root-cert", "PEM", "", "root certificates verifying " + port
                            + " client certificates (reloaded on change)");
        }
        return f
                .declareRepeatable("grpc-restricted-protocol", "GROUPS:KEY=VALUE",
                        "require metadata triton-grpc-protocol-KEY=VALUE for these groups (health, metadata, "
                                + "inference, shared-memory, model-config, model-repository, statistics, trace, logging)")
                .declareRepeatable("http-restricted-api", "GROUPS:KEY=VALUE",
                        "require header KEY=VALUE for these REST groups (as --grpc-restricted-protocol)")
                .declareRepeatable("metrics-restricted-api", "metrics:KEY=VALUE",
                        "require header KEY=VALUE on the metrics port")
                .declare("metrics-address", "ADDR", "", "metrics bind address (empty: the --http-address, as in Triton)")
                .declare("grpc-keepalive-time", "MS", "7200000", "ping idle gRPC connections this often")
                .declare("grpc-keepalive-timeout", "MS", "20000", "close a gRPC connection whose ping is unanswered")
                .declareBool("grpc-keepalive-permit-without-calls", false,
                        "let clients ping connections without calls")
                .declare("grpc-http2-min-recv-ping-interval-without-data", "MS", "300000",
                        "clients pinging more often get GOAWAY")
                .declare("grpc-max-connection-age", "MS", "0", "close gRPC connections older than this (0: never)")
                .declare("grpc-max-connection-age-grace", "MS", "0", "time given to calls on an aged connection")
                .declare("grpc-max-connection-idle", "MS", "0", "close gRPC connections idle this long (0: never)")
                .declare("grpc-max-concurrent-streams", "N", "100", "concurrent gRPC calls per connection")
                .declare("grpc-max-rst-frames-per-window", "N", "1000",
                        "rapid-reset protection: more client RST_STREAMs per window close the connection")
                .declare("grpc-rst-window-secs", "SECS", "10", "the window of --grpc-max-rst-frames-per-window")
                .declare("grpc-stream-max-inflight", "N", "64",
                        "ModelStreamInfer requests unanswered or unsent per stream before reading pauses")
                .declare("max-inflight-requests", "N", "16384",
                        "inferences accepted at once, both transports; beyond it UNAVAILABLE")
                .declare("http-header-timeout-secs", "SECS", "30",
                        "an idle HTTP or metrics connection must deliver request headers within this")
                .declare("http-max-connections", "N", "10000", "open connections per HTTP listener (REST, metrics)")
                .declare("exit-timeout-secs", "SECS", "30",
                        "on shutdown, wait this long for accepted requests, then fail them with UNAVAILABLE");
    }

    public static NetworkOptions from(Flags f) throws Flags.UsageException {
        try {
            GrpcSettings grpc = new GrpcSettings(null, RestrictedApis.NONE,
                    f.getInt("grpc-keepalive-time", 1, Integer.MAX_VALUE),
                    f.getInt("grpc-keepalive-timeout", 1, Integer.MAX_VALUE),
                    f.getBool("grpc-keepalive-permit-without-calls"),
                    f.getInt("grpc-http2-min-recv-ping-interval-without-data", 0, Integer.MAX_VALUE),
                    f.getInt("grpc-max-connection-age", 0, Integer.MAX_VALUE),
                    f.getInt("grpc-max-connection-age-grace", 0, Integer.MAX_VALUE),
                    f.getInt("grpc-max-connection-idle", 0, Integer.MAX_VALUE),
                    f.getInt("grpc-max-concurrent-streams", 1, Integer.MAX_VALUE),
                    f.getInt("grpc-max-rst-frames-per-window", 1, Integer.MAX_VALUE),
                    f.getInt("grpc-rst-window-secs", 1, 3600),
                    f.getInt("grpc-stream-max-inflight", 1, 1 << 20));
            String metricsAddress = f.get("metrics-address");
            return new NetworkOptions(tls(f, "grpc"), tls(f, "http"), tls(f, "metrics"),
                    RestrictedApis.parse(f.getAll("grpc-restricted-protocol"), "protocol",
                            RestrictedApis.tritonGroups()),
                    RestrictedApis.parse(f.getAll("http-restricted-api"), "api", RestrictedApis.tritonGroups()),
                    RestrictedApis.parse(f.getAll("metrics-restricted-api"), "api",
                            List.of(RestrictedApis.Group.METRICS)),
                    metricsAddress.isEmpty() ? null : metricsAddress, grpc,
                    f.getInt("http-header-timeout-secs", 1, 86_400), f.getInt("http-max-connections", 1, 1 << 24),
                    f.getInt("max-inflight-requests", 1, Integer.MAX_VALUE), 1000,
                    f.getInt("exit-timeout-secs", 0, Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
    }

    private static TlsSettings tls(Flags f, String port) throws Flags.UsageException {
        boolean mutual = f.getBool(port + "-use-ssl-mutual");
        if (!mutual && !f.getBool(port + "-use-ssl")) {
            return null;
        }
        Path cert = file(f, port + "-server-cert", port + (mutual ? "-use-ssl-mutual" : "-use-ssl"));
        Path key = file(f, port + "-server-key", port + (mutual ? "-use-ssl-mutual" : "-use-ssl"));
        Path root = mutual ? file(f, port + "-root-cert", port + "-use-ssl-mutual") : null;
        return new TlsSettings(cert, key, root, mutual);
    }

    private static Path file(Flags f, String name, String by) throws Flags.UsageException {
        String v = f.get(name);
        if (v.isEmpty()) {
            throw new Flags.UsageException("--" + by + " needs --" + name + " (expected: a PEM file)");
        }
        Path p = Path.of(v);
        if (!Files.isReadable(p)) {
            throw new Flags.UsageException("--" + name + "=" + v + " is not a readable file (expected: a PEM file)");
        }
        return p;
    }
}
