package io.tensorline.server.grpc;

import io.tensorline.server.net.ReloadingTls;
import io.tensorline.server.net.RestrictedApis;

import java.util.Objects;

/**
 * Connection handling of the gRPC listener, with Triton's flag names where Triton has them.
 *
 * @param tls                         null for plain text
 * @param keepAliveTimeMs             {@code --grpc-keepalive-time}: ping an idle connection this often
 * @param keepAliveTimeoutMs          {@code --grpc-keepalive-timeout}: close when a ping is not answered in time
 * @param permitKeepAliveWithoutCalls {@code --grpc-keepalive-permit-without-calls}
 * @param minRecvPingIntervalMs       {@code --grpc-http2-min-recv-ping-interval-without-data}: clients pinging
 *                                    more often are sent GOAWAY
 * @param maxConnectionAgeMs          {@code --grpc-max-connection-age}, 0: none
 * @param maxConnectionAgeGraceMs     {@code --grpc-max-connection-age-grace}, 0: none
 * @param maxConnectionIdleMs         close connections without calls for this long, 0: never
 * @param maxConcurrentCallsPerConnection HTTP/2 {@code MAX_CONCURRENT_STREAMS}
 * @param maxRstFramesPerWindow       rapid-reset protection: more RST_STREAM frames than this from a client within
 *                                    {@code rstWindowSeconds} close its connection
 * @param streamMaxInFlight           a ModelStreamInfer call reads no further request while this many are
 *                                    unanswered or their replies unsent
 */
public record GrpcSettings(ReloadingTls tls, RestrictedApis restricted, long keepAliveTimeMs,
                           long keepAliveTimeoutMs, boolean permitKeepAliveWithoutCalls, long minRecvPingIntervalMs,
                           long maxConnectionAgeMs, long maxConnectionAgeGraceMs, long maxConnectionIdleMs,
                           int maxConcurrentCallsPerConnection, int maxRstFramesPerWindow, int rstWindowSeconds,
                           int streamMaxInFlight) {

    public GrpcSettings {
        Objects.requireNonNull(restricted, "restricted");
        positive("keepAliveTimeMs", keepAliveTimeMs);
        positive("keepAliveTimeoutMs", keepAliveTimeoutMs);
        positive("maxConcurrentCallsPerConnection", maxConcurrentCallsPerConnection);
        positive("maxRstFramesPerWindow", maxRstFramesPerWindow);
        positive("rstWindowSeconds", rstWindowSeconds);
        positive("streamMaxInFlight", streamMaxInFlight);
        for (long v : new long[] {minRecvPingIntervalMs, maxConnectionAgeMs, maxConnectionAgeGraceMs,
                maxConnectionIdleMs}) {
            if (v < 0) {
                throw new IllegalArgumentException("connection times must be >= 0, got " + v);
            }
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: > 0)");
        }
    }

    /** Triton's keepalive defaults, 100 calls per connection, 1,000 resets per 10 s, 64 per stream, plain text. */
    public static GrpcSettings defaults() {
        return new GrpcSettings(null, RestrictedApis.NONE, 7_200_000, 20_000, false, 300_000, 0, 0, 0, 100, 1000, 10,
                64);
    }

    public GrpcSettings withTls(ReloadingTls value) {
        return new GrpcSettings(value, restricted, keepAliveTimeMs, keepAliveTimeoutMs, permitKeepAliveWithoutCalls,
                minRecvPingIntervalMs, maxConnectionAgeMs, maxConnectionAgeGraceMs, maxConnectionIdleMs,
                maxConcurrentCallsPerConnection, maxRstFramesPerWindow, rstWindowSeconds, streamMaxInFlight);
    }

    public GrpcSettings withRestricted(RestrictedApis value) {
        return new GrpcSettings(tls, value, keepAliveTimeMs, keepAliveTimeoutMs, permitKeepAliveWithoutCalls,
                minRecvPingIntervalMs, maxConnectionAgeMs, maxConnectionAgeGraceMs, maxConnectionIdleMs,
                maxConcurrentCallsPerConnection, maxRstFramesPerWindow, rstWindowSeconds, streamMaxInFlight);
    }

    public GrpcSettings withStreamMaxInFlight(int value) {
        return new GrpcSettings(tls, restricted, keepAliveTimeMs, keepAliveTimeoutMs, permitKeepAliveWithoutCalls,
                minRecvPingIntervalMs, maxConnectionAgeMs, maxConnectionAgeGraceMs, maxConnectionIdleMs,
                maxConcurrentCallsPerConnection, maxRstFramesPerWindow, rstWindowSeconds, value);
    }

    public GrpcSettings withMaxConcurrentCallsPerConnection(int value) {
        return new GrpcSettings(tls, restricted, keepAliveTimeMs, keepAliveTimeoutMs, permitKeepAliveWithoutCalls,
                minRecvPingIntervalMs, maxConnectionAgeMs, maxConnectionAgeGraceMs, maxConnectionIdleMs, value,
                maxRstFramesPerWindow, rstWindowSeconds, streamMaxInFlight);
    }
}
