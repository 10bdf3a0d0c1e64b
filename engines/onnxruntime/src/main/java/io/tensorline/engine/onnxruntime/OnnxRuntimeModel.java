package io.tensorline.engine.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** One ONNX Runtime session. {@link #execute} runs on one thread at a time, which owns the reused feed state. */
final class OnnxRuntimeModel implements LoadedModel {

    private final String label;
    private final OrtSession session;
    private final ModelSignature signature;
    private final DataType[] outputTypes;
    private final String[] outputNames;
    private final InputFeeder feeder;
    private final Map<String, OnnxTensor> feed = new HashMap<>();
    private final List<OnnxTensor> created = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private OnnxRuntimeModel(String label, OrtEnvironment environment, OrtSession session, ModelSignature signature) {
        this.label = label;
        this.session = session;
        this.signature = signature;
        List<TensorSpec> outputs = signature.outputs();
        this.outputTypes = outputs.stream().map(TensorSpec::dataType).toArray(DataType[]::new);
        this.outputNames = outputs.stream().map(TensorSpec::name).toArray(String[]::new);
        this.feeder = new InputFeeder(environment, signature.inputs().size());
    }

    /** Creates the session and reads its signature; nothing stays open when this throws. */
    static OnnxRuntimeModel open(OrtEnvironment environment, LoadRequest request, Path modelFile,
                                 SessionSettings settings) throws EngineException {
        String label = "model '" + request.modelName() + "' version " + request.version();
        OrtSession session;
        try (SessionOptions options = settings.toOptions(label)) {
            session = environment.createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new EngineException(label + ": ONNX Runtime could not load " + modelFile + ": " + e.getMessage(), e);
        }
        try {
            return new OnnxRuntimeModel(label, environment, session, ModelSignature.read(session, label));
        } catch (EngineException e) {
            closeQuietly(session, e);
            throw e;
        } catch (OrtException | RuntimeException e) {
            EngineException failure = new EngineException(
                    label + ": could not read the model's inputs and outputs: " + e.getMessage(), e);
            closeQuietly(session, failure);
            throw failure;
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
        try {
            for (int i = 0; i < inputs.size(); i++) {
                Tensor input = inputs.get(i);
                OnnxTensor tensor = feeder.toOnnx(input, i);
                created.add(tensor);
                if (feed.put(input.name(), tensor) != null) {
                    throw new EngineException("input '" + input.name() + "' is given more than once");
                }
            }
            // run(feed) requests every output in the session's order, which is the order of outputs().
            try (OrtSession.Result result = session.run(feed)) {
                return read(result);
            }
        } catch (OrtException e) {
            throw new EngineException(label + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new EngineException(label + ": " + e.getMessage(), e);
        } finally {
            for (int i = 0; i < created.size(); i++) {
                created.get(i).close();
            }
            created.clear();
            feed.clear();
        }
    }

    private List<Tensor> read(OrtSession.Result result) throws OrtException {
        List<Tensor> outputs = new ArrayList<>(outputTypes.length);
        for (int i = 0; i < outputTypes.length; i++) {
            OnnxValue value = result.get(i);
            if (!(value instanceof OnnxTensor tensor)) {
                throw new OrtException("output '" + outputNames[i] + "' is not a tensor: " + value.getInfo());
            }
            long[] shape = tensor.getInfo().getShape();
            outputs.add(outputTypes[i] == DataType.BYTES
                    ? Tensor.of(outputNames[i], DataType.BYTES, shape, StringTensors.encode(tensor.getValue()))
                    : Tensor.of(outputNames[i], outputTypes[i], shape, tensor.getByteBuffer()));
        }
        return outputs;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException(label + ": ONNX Runtime could not close the session", e);
            }
        }
    }

    @Override
    public String toString() {
        return label + " (ONNX Runtime)";
    }

    private static void closeQuietly(OrtSession session, Exception cause) {
        try {
            session.close();
        } catch (OrtException e) {
            cause.addSuppressed(e);
        }
    }
}
