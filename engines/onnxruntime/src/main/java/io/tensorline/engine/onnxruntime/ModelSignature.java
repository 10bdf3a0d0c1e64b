package io.tensorline.engine.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A session's inputs and outputs in protocol terms, in the model's order; -1 marks a symbolic or dynamic dimension. */
record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** Reads the signature, refusing a model with any input or output the Java API cannot carry. */
    static ModelSignature read(OrtSession session, String modelLabel) throws OrtException, EngineException {
        return new ModelSignature(specs(session.getInputInfo(), "input", modelLabel),
                specs(session.getOutputInfo(), "output", modelLabel));
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> nodes, String role, String modelLabel)
            throws EngineException {
        List<TensorSpec> specs = new ArrayList<>(nodes.size());
        for (NodeInfo node : nodes.values()) {
            specs.add(spec(node, role, modelLabel));
        }
        return specs;
    }

    private static TensorSpec spec(NodeInfo node, String role, String modelLabel) throws EngineException {
        ValueInfo info = node.getInfo();
        if (!(info instanceof TensorInfo tensor)) {
            throw new EngineException(modelLabel + ": " + role + " '" + node.getName() + "' is " + info
                    + ", which Tensorline's ONNX Runtime engine does not support (expected: a tensor)");
        }
        DataType type = OrtTypes.toDataType(tensor.onnxType);
        if (type == null) {
            throw new EngineException(modelLabel + ": " + role + " '" + node.getName() + "' has type "
                    + OrtTypes.name(tensor.onnxType) + ", which ONNX Runtime's Java API does not support"
                    + " (supported: " + OrtTypes.SUPPORTED + ")");
        }
        long[] shape = tensor.getShape().clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                shape[i] = -1;
            }
        }
        return new TensorSpec(node.getName(), type, shape);
    }
}
