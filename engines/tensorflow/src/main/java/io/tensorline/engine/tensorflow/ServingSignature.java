package io.tensorline.engine.tensorflow;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The inputs and outputs of one SignatureDef in protocol terms, sorted by key, with the graph tensors ({@code
 * op:index}) they name. Shapes are full, -1 for unknown dimensions; a tensor of unknown rank takes the shape the
 * config declares for it.
 */
record ServingSignature(String key, List<TensorSpec> inputs, List<String> inputTensors, List<TensorSpec> outputs,
                        List<String> outputTensors) {

    ServingSignature {
        inputs = List.copyOf(inputs);
        inputTensors = List.copyOf(inputTensors);
        outputs = List.copyOf(outputs);
        outputTensors = List.copyOf(outputTensors);
    }

    /**
     * Reads signature {@code key}, refusing one that is missing or has a tensor TF Java cannot carry.
     *
     * @param declaredInputs  the config's inputs (full shapes), for tensors of unknown rank
     * @param declaredOutputs the config's outputs, likewise
     */
    static ServingSignature read(MetaGraphDef metaGraph, String key, List<TensorSpec> declaredInputs,
                                 List<TensorSpec> declaredOutputs, String modelLabel) throws EngineException {
        SignatureDef signature = metaGraph.getSignatureDefMap().get(key);
        if (signature == null) {
            throw new EngineException(modelLabel + ": the SavedModel has no signature '" + key + "' (expected one of "
                    + new TreeSet<>(metaGraph.getSignatureDefMap().keySet()) + "; parameter "
                    + SessionSettings.SIGNATURE_DEF + " names another)");
        }
        if (signature.getOutputsCount() == 0) {
            throw new EngineException(modelLabel + ": signature '" + key + "' has no outputs (expected: at least one)");
        }
        List<TensorSpec> inputs = new ArrayList<>();
        List<String> inputTensors = new ArrayList<>();
        collect(signature.getInputsMap(), "input", declaredInputs, modelLabel, inputs, inputTensors);
        List<TensorSpec> outputs = new ArrayList<>();
        List<String> outputTensors = new ArrayList<>();
        collect(signature.getOutputsMap(), "output", declaredOutputs, modelLabel, outputs, outputTensors);
        return new ServingSignature(key, inputs, inputTensors, outputs, outputTensors);
    }

    /** The position of input {@code name}, or -1. */
    int inputIndex(String name) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static void collect(Map<String, TensorInfo> tensors, String role, List<TensorSpec> declared,
                                String modelLabel, List<TensorSpec> specs, List<String> graphTensors)
            throws EngineException {
        for (Map.Entry<String, TensorInfo> e : new TreeMap<>(tensors).entrySet()) {
            specs.add(spec(e.getKey(), e.getValue(), role, declared, modelLabel));
            graphTensors.add(e.getValue().getName());
        }
    }

    private static TensorSpec spec(String name, TensorInfo info, String role, List<TensorSpec> declared,
                                   String modelLabel) throws EngineException {
        if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
            throw new EngineException(modelLabel + ": " + role + " '" + name + "' is a "
                    + info.getEncodingCase().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + " tensor, which Tensorline's TensorFlow engine does not support (expected: a dense tensor)");
        }
        DataType type = TfTypes.toDataType(info.getDtype());
        if (type == null) {
            throw new EngineException(modelLabel + ": " + role + " '" + name + "' has type "
                    + TfTypes.name(info.getDtype()) + ", which TF Java does not support (supported: "
                    + TfTypes.SUPPORTED + ")");
        }
        TensorShapeProto shape = info.getTensorShape();
        if (!info.hasTensorShape() || shape.getUnknownRank()) {
            return declaredShape(name, type, role, declared, modelLabel);
        }
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            long size = shape.getDim(i).getSize();
            dims[i] = size < 0 ? -1 : size;
        }
        return new TensorSpec(name, type, dims);
    }

    private static TensorSpec declaredShape(String name, DataType type, String role, List<TensorSpec> declared,
                                            String modelLabel) throws EngineException {
        for (TensorSpec d : declared) {
            if (d.name().equals(name)) {
                return new TensorSpec(name, type, d.shape());
            }
        }
        throw new EngineException(modelLabel + ": " + role + " '" + name + "' has an unknown rank in the SavedModel"
                + " (expected: a known rank, or its dims in config.pbtxt)");
    }
}
