package io.tensorline.engine.pytorch;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Serves TorchScript models ({@code pytorch_libtorch}) with libtorch through DJL's PyTorch engine. The natives come
 * from {@code ai.djl.pytorch:pytorch-native-cpu} and {@code pytorch-jni} on the class path: DJL unpacks them into
 * its cache directory and downloads nothing. TorchScript carries no reliable tensor names or shapes, so inputs and
 * outputs come from config.pbtxt (see {@link TorchSignature}).
 */
public final class PyTorchEngineProvider implements EngineProvider {

    static final String DJL_ENGINE_NAME = "PyTorch";
    static final String MODEL_FILE_NAME = "model.pt";

    private final TorchThreads threads = new TorchThreads();
    private final Object initLock = new Object();
    /** DJL's process-wide PyTorch engine, found by the first load. */
    private Engine engine; // guarded by initLock

    /** Cheap: the natives load with the first model. */
    public PyTorchEngineProvider() {
    }

    @Override
    public String backend() {
        return "pytorch";
    }

    @Override
    public Set<String> platforms() {
        return Set.of("pytorch_libtorch");
    }

    @Override
    public String defaultModelFileName() {
        return MODEL_FILE_NAME;
    }

    /** Loads libtorch through DJL's engine (what the first load would do). */
    @Override
    public void prepare() {
        try {
            engine();
        } catch (EngineException e) {
            // not ready: every load meets the same failure and reports it for its model
        }
    }

    @Override
    public LoadedModel load(LoadRequest request) throws EngineException {
        Path modelFile = modelFile(request);
        TorchSignature signature = TorchSignature.from(request);
        ThreadSettings settings = ThreadSettings.from(request, Runtime.getRuntime().availableProcessors());
        Engine torch = engine();
        ai.djl.Device device = device(torch, request);
        threads.applyInterOp(settings.interOpThreads(), "model '" + request.modelName() + "'");
        return PyTorchModel.open(torch, device, request, modelFile, signature, settings, threads);
    }

    /** The model path itself when it is a file, else {@code model.pt} inside it. */
    static Path modelFile(LoadRequest request) throws EngineException {
        Path path = request.modelPath();
        Path file = Files.isDirectory(path) ? path.resolve(MODEL_FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new EngineException("model '" + request.modelName() + "' version " + request.version()
                    + ": no TorchScript file at " + file + " (expected: a file, or a directory holding "
                    + MODEL_FILE_NAME + ")");
        }
        return file;
    }

    /** DJL's device for the request, refusing a GPU that these natives or this machine cannot give. */
    static ai.djl.Device device(Engine torch, LoadRequest request) throws EngineException {
        if (!request.device().isGpu()) {
            return ai.djl.Device.cpu();
        }
        int id = request.device().id();
        String label = "model '" + request.modelName() + "' version " + request.version();
        if (!torch.hasCapability(StandardCapabilities.CUDA)) {
            throw new EngineException(label + ": GPU " + id + " requested, but libtorch " + torch.getVersion()
                    + " as loaded is built for CPU only (a GPU instance needs a CUDA build of libtorch: the GPU image's,"
                    + " found through PYTORCH_LIBRARY_PATH with PYTORCH_FLAVOR=cu128, or"
                    + " ai.djl.pytorch:pytorch-native-cu128 in place of pytorch-native-cpu; and a visible CUDA device)");
        }
        int count = torch.getGpuCount();
        if (id >= count) {
            throw new EngineException(label + ": GPU " + id + " requested, but " + count
                    + " CUDA device(s) are visible (expected: an id below " + count + ")");
        }
        return ai.djl.Device.gpu(id);
    }

    private Engine engine() throws EngineException {
        synchronized (initLock) {
            if (engine == null) {
                try {
                    engine = Engine.getEngine(DJL_ENGINE_NAME);
                } catch (RuntimeException | LinkageError e) {
                    throw new EngineException("PyTorch (libtorch) could not be initialised: " + e, e);
                }
            }
            return engine;
        }
    }
}
