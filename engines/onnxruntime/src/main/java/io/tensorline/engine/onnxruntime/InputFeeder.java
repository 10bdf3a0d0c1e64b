package io.tensorline.engine.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Turns request tensors into ONNX Runtime tensors. A direct buffer is handed to ONNX Runtime as it is (the raw
 * layout is already what ONNX Runtime reads on little-endian hosts); a heap buffer is copied once into a direct
 * staging buffer kept per input slot and reused across calls. Used by one thread at a time, like its instance.
 */
final class InputFeeder {

    private final OrtEnvironment environment;
    private ByteBuffer[] staging;

    InputFeeder(OrtEnvironment environment, int inputCount) {
        this.environment = environment;
        this.staging = new ByteBuffer[inputCount];
    }

    /**
     * A new ONNX Runtime tensor for {@code tensor}, which the caller must close; a staged copy stays valid until the
     * next call for the same slot.
     */
    OnnxTensor toOnnx(Tensor tensor, int slot) throws OrtException, EngineException {
        DataType type = tensor.dataType();
        if (type == DataType.BYTES) {
            return OnnxTensor.createTensor(environment, StringTensors.decode(tensor), tensor.shape());
        }
        OnnxJavaType javaType = OrtTypes.toJavaType(type);
        if (javaType == null) {
            throw new EngineException("input '" + tensor.name() + "' has datatype " + type
                    + ", which ONNX Runtime's Java API does not support (supported: " + OrtTypes.SUPPORTED + ")");
        }
        ByteBuffer data = tensor.data();
        if (!data.isDirect()) {
            data = stage(data, slot);
        }
        return OnnxTensor.createTensor(environment, data, tensor.shape(), javaType);
    }

    private ByteBuffer stage(ByteBuffer data, int slot) {
        if (slot >= staging.length) {
            staging = Arrays.copyOf(staging, slot + 1);
        }
        ByteBuffer buffer = staging[slot];
        if (buffer == null || buffer.capacity() < data.remaining()) {
            buffer = ByteBuffer.allocateDirect(capacityFor(data.remaining())).order(ByteOrder.nativeOrder());
            staging[slot] = buffer;
        }
        buffer.clear();
        buffer.put(data);
        return buffer.flip();
    }

    /** Rounds up to a power of two so that growing batches reallocate only a few times. */
    private static int capacityFor(int size) {
        int wanted = Math.max(size, 64);
        int highest = Integer.highestOneBit(wanted);
        return highest == wanted || highest >= (1 << 30) ? wanted : highest << 1;
    }
}
