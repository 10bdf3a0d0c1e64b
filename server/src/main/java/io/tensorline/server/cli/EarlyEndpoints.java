package io.tensorline.server.cli;

import io.tensorline.server.grpc.GrpcFrontend;
import io.tensorline.server.http.HttpFrontend;
import io.tensorline.server.metrics.MetricsFrontend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * The endpoints, bound on a thread of their own ({@code endpoints-start}): it initialises the transports' classes
 * ({@link TransportWarmup}) while the start-up models load, then binds the metrics, gRPC and HTTP endpoints, by
 * default once the models have loaded (Triton's order), or with {@code -Dtensorline.earlyEndpoints=true} at once,
 * while they load. Either way the server behind them is live and not ready until the models are loaded
 * ({@link io.tensorline.server.repository.StartingRegistry}); bound early, a probe meets "live, not ready" and the
 * metrics endpoint answers during the load, and binding is off the way to READY, but each not-ready answer is work
 * for the starting server (docs/performance.md, "Cold start": with a 5 ms poller on 2 busy cores it cost more than
 * it saved). The start-up thread owns the result: {@link #await} takes the bound endpoints, {@link #abandon} closes
 * them when start-up fails.
 */
final class EarlyEndpoints {

    /** The system property that turns early binding on ({@code true}); off by default. */
    static final String SWITCH = "tensorline.earlyEndpoints";

    /** The endpoints that are on (null for one that is off). Closing closes each. */
    record Bound(GrpcFrontend grpc, HttpFrontend http, MetricsFrontend metrics) implements AutoCloseable {
        static final Bound NONE = new Bound(null, null, null);

        @Override
        public void close() {
            if (metrics != null) {
                metrics.close();
            }
            if (grpc != null) {
                grpc.close();
            }
            if (http != null) {
                http.close();
            }
        }
    }

    /** Binds the endpoints; on failure it closes what it bound before throwing. */
    interface Binder {
        Bound bind() throws IOException;
    }

    private final CompletableFuture<Bound> result;
    /** Released at once when binding early, else by {@link #await}: the thread binds after it. */
    private final CountDownLatch go;
    private volatile boolean abandoned;

    /** Whether the endpoints bind while the models load ({@link #SWITCH} is {@code true}). */
    static boolean early() {
        return "true".equalsIgnoreCase(System.getProperty(SWITCH, "false").strip());
    }

    private EarlyEndpoints(CompletableFuture<Bound> result, CountDownLatch go) {
        this.result = result;
        this.go = go;
    }

    /**
     * Starts the daemon thread {@code endpoints-start}: it initialises the transports' classes, then binds, at once
     * when {@code early}, else when {@link #await} is called. With no endpoint on, nothing starts.
     */
    static EarlyEndpoints start(boolean anyOn, boolean early, Binder binder) {
        CountDownLatch go = new CountDownLatch(early ? 0 : 1);
        if (!anyOn) {
            return new EarlyEndpoints(CompletableFuture.completedFuture(Bound.NONE), go);
        }
        CompletableFuture<Bound> result = new CompletableFuture<>();
        EarlyEndpoints endpoints = new EarlyEndpoints(result, go);
        Thread t = new Thread(() -> {
            try {
                TransportWarmup.initialiseAll();
                go.await();
                result.complete(endpoints.abandoned ? Bound.NONE : binder.bind());
            } catch (IOException | InterruptedException | RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }, "endpoints-start");
        t.setDaemon(true); // ends when bound; never holds the JVM up
        t.start();
        return endpoints;
    }

    /** Waits for the endpoints to be bound and returns them, or throws what binding threw. */
    Bound await() throws IOException {
        go.countDown();
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon();
            throw new IOException("interrupted while the endpoints were binding", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new UncheckedIOException(new IOException(cause));
        }
    }

    /**
     * Start-up failed: waits for binding to finish (so that nothing binds after the caller has released the event
     * loops or the ports), then closes whatever was bound. Never throws.
     */
    void abandon() {
        abandoned = true;
        go.countDown();
        Bound bound;
        try {
            bound = result.join();
        } catch (CompletionException | CancellationException e) {
            return; // binding failed, and closed what it had bound
        }
        bound.close();
    }
}
