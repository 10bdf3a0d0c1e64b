package io.tensorline.engine.tensorflow;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Serves {@code tensorflow_savedmodel} models with TF Java 1.1 ({@code SavedModelBundle}), whose natives
 * ({@code tensorflow-core-native}, TF 2.18) come from Maven Central and load with the first model. Each instance is
 * its own bundle and session, serving the signature named by parameter {@code TF_SIGNATURE_DEF} (default
 * {@code serving_default}).
 */
public final class TensorFlowEngineProvider implements EngineProvider {

    static final String MODEL_DIRECTORY_NAME = "model.savedmodel";
    private static final String SAVED_MODEL_FILE = "saved_model.pb";

    private final int availableProcessors;
    private final boolean perSessionIntraPools;

    /** Cheap: reads the core count and one environment variable; the natives load with the first model. */
    public TensorFlowEngineProvider() {
        this(Runtime.getRuntime().availableProcessors(),
                SessionSettings.perSessionIntraPools(System.getenv(SessionSettings.OVERRIDE_GLOBAL_THREADPOOL)));
    }

    TensorFlowEngineProvider(int availableProcessors, boolean perSessionIntraPools) {
        this.availableProcessors = availableProcessors;
        this.perSessionIntraPools = perSessionIntraPools;
    }

    @Override
    public String backend() {
        return "tensorflow";
    }

    @Override
    public Set<String> platforms() {
        return Set.of("tensorflow_savedmodel");
    }

    @Override
    public String defaultModelFileName() {
        return MODEL_DIRECTORY_NAME;
    }

    /** Triton's default for TensorFlow on CPU. */
    @Override
    public int defaultCpuInstanceCount() {
        return 2;
    }

    /**
     * Loads TensorFlow's natives (initialising {@code org.tensorflow.TensorFlow} runs the op and kernel registration
     * of the shared libraries), what the first {@code SavedModelBundle} would do.
     */
    @Override
    public void prepare() {
        try {
            org.tensorflow.TensorFlow.version();
        } catch (RuntimeException | LinkageError e) {
            // not ready: every load meets the same failure and reports it for its model (see load)
        }
    }

    @Override
    public LoadedModel load(LoadRequest request) throws EngineException {
        Path directory = savedModelDirectory(request);
        SessionSettings settings = SessionSettings.from(request, availableProcessors, perSessionIntraPools);
        try {
            return TensorFlowModel.open(request, directory, settings);
        } catch (LinkageError e) {
            throw new EngineException("model '" + request.modelName() + "' version " + request.version()
                    + ": TensorFlow's natives could not be loaded (expected: org.tensorflow:tensorflow-core-native"
                    + " with the classifier of this platform on the class path): " + e, e);
        }
    }

    /**
     * The model path itself when it holds {@code saved_model.pb}, else {@code model.savedmodel} inside it (the
     * version folder).
     */
    static Path savedModelDirectory(LoadRequest request) throws EngineException {
        Path path = request.modelPath();
        Path directory = Files.isRegularFile(path.resolve(SAVED_MODEL_FILE)) ? path : path.resolve(MODEL_DIRECTORY_NAME);
        if (!Files.isRegularFile(directory.resolve(SAVED_MODEL_FILE))) {
            throw new EngineException("model '" + request.modelName() + "' version " + request.version()
                    + ": no SavedModel at " + path + " (expected: a directory holding " + SAVED_MODEL_FILE
                    + ", or a version folder holding " + MODEL_DIRECTORY_NAME + "/" + SAVED_MODEL_FILE + ")");
        }
        return directory;
    }
}
