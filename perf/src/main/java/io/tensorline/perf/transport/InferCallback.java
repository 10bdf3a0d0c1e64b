package io.tensorline.perf.transport;

/**
 * Receives the outcome of one request, exactly once, on a transport thread: keep it short and never block.
 * Times are {@link System#nanoTime()} values or durations in nanoseconds.
 */
public interface InferCallback {

    /**
     * @param startNs when the request was handed to the transport
     * @param endNs   when its response had been read
     * @param sendNs  time spent preparing and serialising the request on the client
     * @param recvNs  time spent deserialising the response on the client
     */
    void completed(long startNs, long endNs, long sendNs, long recvNs);

    void failed(long startNs, long endNs, String message);
}
