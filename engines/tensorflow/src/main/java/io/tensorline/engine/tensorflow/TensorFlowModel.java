package io.tensorline.engine.tensorflow;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.types.family.TType;

/**
 * One SavedModel loaded into its own TensorFlow session, serving one signature. {@link #execute} runs on one thread
 * at a time; every TensorFlow tensor it creates or receives is closed before it returns.
 */
final class TensorFlowModel implements LoadedModel {

    private final String label;
    private final SavedModelBundle bundle;
    private final ServingSignature signature;
    private final Output<?>[] feeds;
    /** Distinct graph tensors to fetch: signature outputs may share one. */
    private final Output<?>[] fetches;
    /** For each signature output, its position in {@link #fetches}. */
    private final int[] fetchOf;
    /** Owned by the thread running {@link #execute}. */
    private final TensorConverter converter = new TensorConverter();
    private final AtomicBoolean closed = new AtomicBoolean();

    private TensorFlowModel(String label, SavedModelBundle bundle, ServingSignature signature, Output<?>[] feeds,
                            Output<?>[] outputs) {
        this.label = label;
        this.bundle = bundle;
        this.signature = signature;
        this.feeds = feeds;
        List<Output<?>> distinct = new ArrayList<>();
        this.fetchOf = new int[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            int at = distinct.indexOf(outputs[i]);
            if (at < 0) {
                at = distinct.size();
                distinct.add(outputs[i]);
            }
            fetchOf[i] = at;
        }
        this.fetches = distinct.toArray(new Output<?>[0]);
    }

    /** Loads the bundle and reads its signature; nothing stays open when this throws. */
    static TensorFlowModel open(LoadRequest request, Path directory, SessionSettings settings)
            throws EngineException {
        String label = "model '" + request.modelName() + "' version " + request.version();
        if (settings.device().isGpu()) {
            GpuCheck.requireGpu(settings.device(), label);
        }
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.loader(directory.toString())
                    .withTags(settings.graphTag())
                    .withConfigProto(settings.toConfigProto())
                    .load();
        } catch (TensorFlowException | IllegalArgumentException e) {
            throw new EngineException(label + ": TensorFlow could not load the SavedModel at " + directory
                    + " with tag '" + settings.graphTag() + "' (parameter " + SessionSettings.GRAPH_TAG + "): "
                    + e.getMessage(), e);
        }
        try {
            ServingSignature signature = ServingSignature.read(bundle.metaGraphDef(), settings.signatureKey(),
                    request.inputs(), request.outputs(), label);
            return new TensorFlowModel(label, bundle, signature,
                    resolve(bundle, signature.inputTensors(), signature.inputs(), "input", label),
                    resolve(bundle, signature.outputTensors(), signature.outputs(), "output", label));
        } catch (EngineException e) {
            bundle.close();
            throw e;
        } catch (RuntimeException e) {
            bundle.close();
            throw new EngineException(label + ": could not read signature '" + settings.signatureKey() + "': "
                    + e.getMessage(), e);
        }
    }

    private static Output<?>[] resolve(SavedModelBundle bundle, List<String> graphTensors, List<TensorSpec> specs,
                                       String role, String label) throws EngineException {
        Output<?>[] outputs = new Output<?>[graphTensors.size()];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = bundle.graph().output(graphTensors.get(i));
            if (outputs[i] == null) {
                throw new EngineException(label + ": " + role + " '" + specs.get(i).name() + "' names graph tensor '"
                        + graphTensors.get(i) + "', which the graph does not have");
            }
        }
        return outputs;
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
        TType[] fed = new TType[feeds.length];
        try {
            Session.Runner runner = bundle.session().runner();
            for (Tensor input : inputs) {
                int slot = slotOf(input, fed);
                fed[slot] = converter.toTensorFlow(input);
                runner.feed(feeds[slot], fed[slot]);
            }
            for (Output<?> fetch : fetches) {
                runner.fetch(fetch);
            }
            try (Result result = runner.run()) {
                return read(result);
            }
        } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
            throw new EngineException(label + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new EngineException(label + ": " + e.getMessage(), e);
        } finally {
            for (TType t : fed) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** Where {@code input} is fed, after checking its name, datatype and shape against the signature. */
    private int slotOf(Tensor input, TType[] fed) throws EngineException {
        int slot = signature.inputIndex(input.name());
        if (slot < 0) {
            throw new EngineException("unexpected input '" + input.name() + "' (expected: "
                    + signature.inputs().stream().map(TensorSpec::name).toList() + ")");
        }
        if (fed[slot] != null) {
            throw new EngineException("input '" + input.name() + "' is given more than once");
        }
        TensorSpec spec = signature.inputs().get(slot);
        if (input.dataType() != spec.dataType()) {
            throw new EngineException("input '" + input.name() + "' has datatype " + input.dataType()
                    + " (expected: " + spec.dataType() + ")");
        }
        if (!Shapes.matches(spec.shape(), input.shape())) {
            throw new EngineException("input '" + input.name() + "' has shape " + Shapes.toString(input.shape())
                    + " (expected: " + Shapes.toString(spec.shape()) + ")");
        }
        return slot;
    }

    private List<Tensor> read(Result result) throws EngineException {
        List<TensorSpec> specs = signature.outputs();
        List<Tensor> outputs = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec spec = specs.get(i);
            outputs.add(TensorConverter.fromTensorFlow(spec.name(), spec.dataType(), result.get(fetchOf[i])));
        }
        return outputs;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            bundle.close();
        }
    }

    @Override
    public String toString() {
        return label + " (TensorFlow, signature '" + signature.key() + "')";
    }
}
