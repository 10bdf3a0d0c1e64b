package io.tensorline.perf.transport;

/** A request built once (model, inputs, encoding) that can be sent any number of times, concurrently. */
@FunctionalInterface
public interface PreparedInfer {

    /** Sends the request without blocking; {@code callback} hears the outcome once. */
    void send(InferCallback callback);
}
