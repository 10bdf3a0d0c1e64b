package io.tensorline.engine.pytorch;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what {@code forward()} returned (a tensor, or a tuple or list of tensors) into the declared outputs, copied
 * into heap buffers so that nothing refers to native memory once the call's NDManager is closed.
 */
final class OutputReader {

    private static final String EXPECTED = "a tensor, or a tuple or list of tensors";

    private OutputReader() {
    }

    static List<Tensor> read(IValue result, TorchSignature signature, PtNDManager call) throws EngineException {
        List<TensorSpec> specs = signature.outputs();
        if (result.isTensor()) {
            checkCount(1, signature);
            return List.of(copy(result.toTensor(call), specs.get(0)));
        }
        IValue[] elements;
        if (result.isTuple()) {
            elements = result.toIValueTuple();
        } else if (result.isList()) {
            elements = result.toIValueArray();
        } else {
            throw new EngineException("forward() returned " + result.getType() + " (expected: " + EXPECTED + ")");
        }
        try {
            checkCount(elements.length, signature);
            List<Tensor> outputs = new ArrayList<>(specs.size());
            for (int j = 0; j < specs.size(); j++) {
                int index = signature.resultOf(j);
                IValue element = elements[index];
                if (!element.isTensor()) {
                    throw new EngineException("element " + index + " of forward()'s result is " + element.getType()
                            + " (expected: a tensor for output '" + specs.get(j).name() + "')");
                }
                outputs.add(copy(element.toTensor(call), specs.get(j)));
            }
            return outputs;
        } finally {
            for (IValue element : elements) {
                element.close();
            }
        }
    }

    private static void checkCount(int returned, TorchSignature signature) throws EngineException {
        List<TensorSpec> specs = signature.outputs();
        int needed = 0;
        for (int j = 0; j < specs.size(); j++) {
            needed = Math.max(needed, signature.resultOf(j) + 1);
        }
        boolean fits = signature.outputsIndexed() ? returned >= needed : returned == specs.size();
        if (!fits) {
            List<String> names = specs.stream().map(TensorSpec::name).toList();
            throw new EngineException("forward() returned " + returned + (returned == 1 ? " tensor" : " tensors")
                    + " (expected: " + (signature.outputsIndexed() ? "at least " + needed : specs.size())
                    + ", for outputs " + names + " as config.pbtxt declares)");
        }
    }

    private static Tensor copy(PtNDArray array, TensorSpec spec) throws EngineException {
        DataType type = TorchTypes.fromDjl(array.getDataType());
        if (type != spec.dataType()) {
            throw new EngineException("output '" + spec.name() + "' has datatype "
                    + (type == null ? array.getDataType() : type) + " (expected: " + spec.dataType()
                    + ", as config.pbtxt declares)");
        }
        // A contiguous copy in a new Java array, read back from the CPU when the tensor lives on a GPU.
        ByteBuffer data = array.toByteBuffer(false);
        return Tensor.of(spec.name(), type, array.getShape().getShape(), data);
    }
}
