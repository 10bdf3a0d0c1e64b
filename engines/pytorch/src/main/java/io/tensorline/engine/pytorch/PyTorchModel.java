package io.tensorline.engine.pytorch;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One TorchScript module on one device. {@link #execute} runs on one thread at a time, which owns the argument
 * slots; every native object a call creates belongs to a per-call NDManager that the call closes, and the input
 * tensors kept across calls belong to the instance (see {@link ArgumentSlots}).
 */
final class PyTorchModel implements LoadedModel {

    private final String label;
    private final Model model;
    private final PtSymbolBlock block;
    private final PtNDManager manager;
    private final TorchSignature signature;
    private final ai.djl.ndarray.types.DataType[] inputTypes;
    private final long[][] inputShapes;
    private final int intraOpThreads;
    private final TorchThreads threads;
    private final ArgumentSlots arguments;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PyTorchModel(String label, Model model, boolean onGpu, TorchSignature signature,
                         ThreadSettings settings, TorchThreads threads) {
        this.label = label;
        this.model = model;
        this.block = (PtSymbolBlock) model.getBlock();
        this.manager = (PtNDManager) model.getNDManager();
        this.signature = signature;
        this.inputTypes = signature.inputs().stream().map(s -> TorchTypes.toDjl(s.dataType()))
                .toArray(ai.djl.ndarray.types.DataType[]::new);
        this.inputShapes = signature.inputs().stream().map(TensorSpec::shape).toArray(long[][]::new);
        this.intraOpThreads = settings.intraOpThreads();
        this.threads = threads;
        this.arguments = new ArgumentSlots(signature.inputs().size(), manager, !onGpu);
    }

    /** Loads the module onto {@code device}; nothing stays open when this throws. */
    static PyTorchModel open(Engine engine, ai.djl.Device device, LoadRequest request, Path modelFile,
                             TorchSignature signature, ThreadSettings settings, TorchThreads threads)
            throws EngineException {
        String label = "model '" + request.modelName() + "' version " + request.version();
        Model model = engine.newModel(request.modelName(), device);
        try {
            // mapLocation: the tensors load straight onto the device instead of through host memory
            model.load(modelFile, null, Map.of("mapLocation", "true"));
            PyTorchModel loaded = new PyTorchModel(label, model, device.isGpu(), signature, settings, threads);
            JniUtils.enableInferenceMode(loaded.block); // eval(): dropout off, batch norm on running statistics
            return loaded;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new EngineException(label + ": PyTorch could not load " + modelFile + " as TorchScript on "
                    + request.device() + ": " + TorchErrors.summary(e), e);
        }
    }

    @Override
    public List<TensorSpec> inputs() {
        return signature.inputs();
    }

    @Override
    public List<TensorSpec> outputs() {
        return signature.outputs();
    }

    @Override
    public List<Tensor> execute(List<Tensor> inputs) throws EngineException {
        if (closed.get()) {
            throw new EngineException(label + " is closed");
        }
        threads.applyIntraOp(intraOpThreads);
        try (NDManager call = manager.newSubManager()) {
            try {
                bind(inputs, call);
                // runs under a no-grad guard: DJL's native forward disables autograd when not training
                try (IValue result = IValueUtils.forward(block, arguments.arguments())) {
                    return OutputReader.read(result, signature, (PtNDManager) call);
                }
            } finally {
                arguments.endCall();
            }
        } catch (EngineException e) {
            throw new EngineException(label + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new EngineException(label + ": PyTorch could not run forward(): " + TorchErrors.summary(e), e);
        }
    }

    /** Checks each input against its declaration and puts it into its forward() argument slot. */
    private void bind(List<Tensor> inputs, NDManager call) throws EngineException {
        for (int n = 0; n < inputs.size(); n++) {
            Tensor input = inputs.get(n);
            int i = signature.inputIndex(input.name());
            if (i < 0) {
                throw new EngineException("unknown input '" + input.name() + "' (expected: "
                        + names(signature.inputs()) + ")");
            }
            TensorSpec spec = signature.inputs().get(i);
            int argument = signature.argumentOf(i);
            if (arguments.isBound(argument)) {
                throw new EngineException("input '" + input.name() + "' is given more than once");
            }
            if (input.dataType() != spec.dataType()) {
                throw new EngineException("input '" + input.name() + "' has datatype " + input.dataType()
                        + " (expected: " + spec.dataType() + ")");
            }
            if (!Shapes.matches(inputShapes[i], input.shape())) {
                throw new EngineException("input '" + input.name() + "' has shape " + Shapes.toString(input.shape())
                        + " (expected: " + Shapes.toString(inputShapes[i]) + ")");
            }
            arguments.bind(argument, input, inputTypes[i], call);
        }
        for (int i = 0; i < inputShapes.length; i++) {
            if (!arguments.isBound(signature.argumentOf(i))) {
                throw new EngineException("input '" + signature.inputs().get(i).name() + "' is missing (expected: "
                        + names(signature.inputs()) + ")");
            }
        }
    }

    private static List<String> names(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::name).toList();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arguments.close();
            model.close();
        }
    }

    @Override
    public String toString() {
        return label + " (PyTorch)";
    }
}
