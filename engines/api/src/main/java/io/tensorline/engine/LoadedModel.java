package io.tensorline.engine;

import java.util.List;

/**
 * One loaded instance of a model (one engine session on one device). An instance is used by one thread at a time;
 * the server creates one per configured instance and never calls {@link #execute} concurrently on the same one.
 */
public interface LoadedModel extends AutoCloseable {

    /** The inputs as the model itself declares them (full shapes, -1 for variable dimensions). */
    List<TensorSpec> inputs();

    /** The outputs as the model itself declares them. */
    List<TensorSpec> outputs();

    /**
     * Runs the model once. {@code inputs} carry the model's input names and complete concrete shapes; the result
     * holds every model output, named as in {@link #outputs()}, in that order.
     */
    List<Tensor> execute(List<Tensor> inputs) throws EngineException;

    /** Releases the session; idempotent. */
    @Override
    void close();
}
