package io.tensorline.client;

/**
 * A bidirectional inference stream (gRPC {@code ModelStreamInfer}): requests are sent as they come, each answer (or
 * per-request error) reaches the {@link Listener} on a gRPC thread, in the order the server sends them.
 */
public interface InferStream extends AutoCloseable {

    /** Receives what the server sends on a stream. Called from gRPC threads, one call at a time. */
    interface Listener {
        void onResult(InferResult result);

        /** One request failed; the stream goes on. */
        void onRequestError(TensorlineException error);

        /** The stream ended: {@code error} is null when the server closed it normally. */
        void onClosed(TensorlineException error);
    }

    /** Sends one request. Thread-safe. */
    void send(InferRequest request);

    /** Half-closes: no more requests; answers still due arrive, then {@link Listener#onClosed}. */
    @Override
    void close();

    /** Cancels the stream at once; requests not yet answered get no answer. */
    void cancel();
}
