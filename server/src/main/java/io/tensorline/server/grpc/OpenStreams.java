package io.tensorline.server.grpc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ModelStreamInfer calls open on one gRPC listener, so that a drain can tell each to finish once its requests
 * are answered (a client that keeps an idle stream open would otherwise hold the shutdown until its timeout).
 * Thread-safe.
 */
final class OpenStreams {

    private final Set<InferStream> open = ConcurrentHashMap.newKeySet();
    private final int maxInFlightPerStream;
    private volatile boolean draining;

    OpenStreams(int maxInFlightPerStream) {
        this.maxInFlightPerStream = maxInFlightPerStream;
    }

    int maxInFlightPerStream() {
        return maxInFlightPerStream;
    }

    /** Registers a new stream; a stream opened during a drain is told to drain at once. */
    void add(InferStream s) {
        open.add(s);
        if (draining) {
            s.drain();
        }
    }

    void remove(InferStream s) {
        open.remove(s);
    }

    void drainAll() {
        draining = true;
        for (InferStream s : open) {
            s.drain();
        }
    }
}
