package io.tensorline.server.net;

import java.util.Objects;

/**
 * How one HTTP listener (REST or metrics) treats its connections.
 *
 * @param tls                 null for plain text
 * @param restricted          the groups that require a header
 * @param headerTimeoutNanos  how long an idle connection may take to deliver the next request's headers
 * @param maxConnections      connections beyond this are closed as soon as they are accepted
 */
public record ListenerSettings(ReloadingTls tls, RestrictedApis restricted, long headerTimeoutNanos,
                               int maxConnections) {

    public static final long DEFAULT_HEADER_TIMEOUT_NANOS = 30_000_000_000L;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    public ListenerSettings {
        Objects.requireNonNull(restricted, "restricted");
        if (headerTimeoutNanos <= 0) {
            throw new IllegalArgumentException("headerTimeoutNanos: " + headerTimeoutNanos + " (expected: > 0)");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
        }
    }

    /** Plain text, nothing restricted, 30 s for headers, 10,000 connections. */
    public static ListenerSettings defaults() {
        return new ListenerSettings(null, RestrictedApis.NONE, DEFAULT_HEADER_TIMEOUT_NANOS, DEFAULT_MAX_CONNECTIONS);
    }

    public ListenerSettings withTls(ReloadingTls value) {
        return new ListenerSettings(value, restricted, headerTimeoutNanos, maxConnections);
    }

    public ListenerSettings withRestricted(RestrictedApis value) {
        return new ListenerSettings(tls, value, headerTimeoutNanos, maxConnections);
    }

    public ListenerSettings withHeaderTimeoutNanos(long value) {
        return new ListenerSettings(tls, restricted, value, maxConnections);
    }

    public ListenerSettings withMaxConnections(int value) {
        return new ListenerSettings(tls, restricted, headerTimeoutNanos, value);
    }
}
