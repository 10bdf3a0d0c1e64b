package io.tensorline.server.cli;

import io.tensorline.server.grpc.GrpcSettings;
import io.tensorline.server.net.ListenerSettings;
import io.tensorline.server.net.ReloadingTls;
import io.tensorline.server.net.TlsSettings;

import java.util.concurrent.TimeUnit;

/** {@link NetworkOptions} turned into each listener's settings, with the certificate files loaded. */
record NetworkListeners(GrpcSettings grpc, ListenerSettings http, ListenerSettings metrics) {

    /** @throws IllegalArgumentException when a certificate or key does not load */
    static NetworkListeners of(NetworkOptions n) {
        long interval = TimeUnit.MILLISECONDS.toNanos(n.tlsCheckIntervalMs());
        ListenerSettings base = ListenerSettings.defaults()
                .withHeaderTimeoutNanos(TimeUnit.SECONDS.toNanos(n.httpHeaderTimeoutSecs()))
                .withMaxConnections(n.httpMaxConnections());
        return new NetworkListeners(
                n.grpc().withTls(tls(n.grpcTls(), interval)).withRestricted(n.grpcRestricted()),
                base.withTls(tls(n.httpTls(), interval)).withRestricted(n.httpRestricted()),
                base.withTls(tls(n.metricsTls(), interval)).withRestricted(n.metricsRestricted()));
    }

    private static ReloadingTls tls(TlsSettings s, long intervalNanos) {
        return s == null ? null : new ReloadingTls(s, System::nanoTime, intervalNanos);
    }
}
