package io.tensorline.engine.onnxruntime;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.BytesElementCheck;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Serves {@code onnxruntime_onnx} models with ONNX Runtime. DJL's OnnxRuntime engine initialises the natives (from
 * the ONNX Runtime jar, nothing is downloaded); sessions and tensors then go through ONNX Runtime's own Java API,
 * which DJL's engine ships, because it reads and writes our little-endian buffers without per-element conversion.
 */
public final class OnnxRuntimeEngineProvider implements EngineProvider {

    static final String DJL_ENGINE_NAME = "OnnxRuntime";
    static final String MODEL_FILE_NAME = "model.onnx";

    private final Object initLock = new Object();
    /** Created by the first load; ONNX Runtime's process-wide environment, owned by DJL's engine. */
    private OrtEnvironment environment; // guarded by initLock

    /** Cheap: the natives load with the first model. */
    public OnnxRuntimeEngineProvider() {
    }

    @Override
    public String backend() {
        return "onnxruntime";
    }

    @Override
    public Set<String> platforms() {
        return Set.of("onnxruntime_onnx");
    }

    @Override
    public String defaultModelFileName() {
        return MODEL_FILE_NAME;
    }

    /** Triton's default for ONNX Runtime on CPU. */
    @Override
    public int defaultCpuInstanceCount() {
        return 2;
    }

    /** ONNX Runtime's Java API carries string elements as Java strings: see {@link ModifiedUtf8}. */
    @Override
    public BytesElementCheck bytesElementCheck() {
        return ModifiedUtf8.INSTANCE;
    }

    /** Loads ONNX Runtime's natives and creates its environment (what the first load would do). */
    @Override
    public void prepare() {
        try {
            environment();
        } catch (EngineException e) {
            // not ready: every load meets the same failure and reports it for its model
        }
    }

    @Override
    public LoadedModel load(LoadRequest request) throws EngineException {
        Path modelFile = modelFile(request);
        SessionSettings settings = SessionSettings.from(request, Runtime.getRuntime().availableProcessors());
        return OnnxRuntimeModel.open(environment(), request, modelFile, settings);
    }

    /** The model path itself when it is a file, else {@code model.onnx} inside it. */
    static Path modelFile(LoadRequest request) throws EngineException {
        Path path = request.modelPath();
        Path file = Files.isDirectory(path) ? path.resolve(MODEL_FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new EngineException("model '" + request.modelName() + "' version " + request.version()
                    + ": no ONNX model file at " + file + " (expected: a file, or a directory holding "
                    + MODEL_FILE_NAME + ")");
        }
        return file;
    }

    private OrtEnvironment environment() throws EngineException {
        synchronized (initLock) {
            if (environment == null) {
                try {
                    Engine.getEngine(DJL_ENGINE_NAME);
                    // DJL's engine has created the process-wide environment; this returns that same one.
                    environment = OrtEnvironment.getEnvironment();
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    throw new EngineException("ONNX Runtime could not be initialised: " + e, e);
                }
            }
            return environment;
        }
    }
}
