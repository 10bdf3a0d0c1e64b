package io.tensorline.engine;

import java.util.Set;

/**
 * A framework plug-in, found with {@link java.util.ServiceLoader}. Implementations must have a public no-argument
 * constructor and be cheap to construct: natives load only when the first model loads.
 */
public interface EngineProvider {

    /** The backend name used in config.pbtxt's {@code backend} field, e.g. {@code "onnxruntime"}. */
    String backend();

    /** The {@code platform} values this engine serves, e.g. {@code "onnxruntime_onnx"}. */
    Set<String> platforms();

    /** The file (or directory) name looked for in a version folder when the config names none. */
    String defaultModelFileName();

    /** How many instances a CPU instance group gets when its {@code count} is not set. */
    default int defaultCpuInstanceCount() {
        return 1;
    }

    /** Which BYTES elements this engine passes to models unchanged (by default: every one). */
    default BytesElementCheck bytesElementCheck() {
        return BytesElementCheck.ANY;
    }

    /**
     * Starts the framework's process-wide initialisation (loading its native libraries) ahead of the first
     * {@link #load}, so that a server can overlap it with the rest of its start-up. Loads no model and never throws:
     * a failure is left for the next {@link #load}, which meets it again and reports it for its model. Idempotent,
     * safe to call from any thread and on a different instance than the one that loads (the work is process-wide).
     * By default it does nothing.
     */
    default void prepare() {
    }

    /** Creates one instance of a model version on the requested device. */
    LoadedModel load(LoadRequest request) throws EngineException;
}
