package io.tensorline.engine.tensorflow;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.tensorflow.RawTensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Copies tensors between the protocol's raw layout and TensorFlow. TensorFlow keeps fixed-size elements in the
 * host's byte order, which on the little-endian hosts TF Java ships natives for is the protocol's, so data moves as
 * one bulk copy each way. Data that is not in an accessible array (direct or read-only buffers) passes through a
 * staging array kept for the next call: TF Java's own copy from such buffers goes element by element. Used by one
 * thread at a time, like its instance.
 */
final class TensorConverter {

    private static final int MAX_STAGING_BYTES = 1 << 20;

    private byte[] staging = new byte[0];

    /** A new TensorFlow tensor holding a copy of {@code tensor}; the caller must close it. */
    TType toTensorFlow(Tensor tensor) throws EngineException {
        Shape shape = Shape.of(tensor.shape());
        if (tensor.dataType() == DataType.BYTES) {
            return TString.tensorOfBytes(shape, DataBuffers.ofObjects(StringTensors.decode(tensor)));
        }
        Class<? extends TType> type = TfTypes.tensorClass(tensor.dataType());
        if (type == null) {
            throw new EngineException("input '" + tensor.name() + "' has datatype " + tensor.dataType()
                    + ", which TF Java does not support (supported: " + TfTypes.SUPPORTED + ")");
        }
        ByteBuffer data = tensor.data();
        int size = data.remaining();
        TType created = org.tensorflow.Tensor.of(type, shape, size);
        try {
            ByteDataBuffer target = created.asRawTensor().data();
            if (data.hasArray()) {
                target.write(data.array(), data.arrayOffset() + data.position(), size);
            } else {
                copyInChunks(data, target, size);
            }
            return created;
        } catch (RuntimeException e) {
            created.close();
            throw e;
        }
    }

    private void copyInChunks(ByteBuffer data, ByteDataBuffer target, int size) {
        if (staging.length < Math.min(size, MAX_STAGING_BYTES)) {
            staging = new byte[Math.min(size, MAX_STAGING_BYTES)];
        }
        for (int at = 0; at < size; at += staging.length) {
            int n = Math.min(staging.length, size - at);
            data.get(staging, 0, n);
            target.offset(at).write(staging, 0, n);
        }
    }

    /**
     * A protocol tensor with a heap copy of {@code tensor}'s data; {@code tensor} stays owned by the caller.
     *
     * @param expected the type the signature declares, which the tensor must have
     */
    static Tensor fromTensorFlow(String name, DataType expected, org.tensorflow.Tensor tensor)
            throws EngineException {
        DataType actual = TfTypes.toDataType(tensor.dataType());
        if (actual != expected) {
            throw new EngineException("output '" + name + "' has type " + TfTypes.name(tensor.dataType())
                    + " (expected: " + expected + ", as the signature declares)");
        }
        long[] shape = tensor.shape().asArray();
        if (actual == DataType.BYTES) {
            TString strings = (TString) tensor;
            DataBuffer<byte[]> elements = DataBuffers.ofObjects(byte[].class, strings.size());
            strings.asBytes().copyTo(elements);
            byte[][] array = new byte[Math.toIntExact(elements.size())][];
            elements.read(array);
            return Tensor.of(name, DataType.BYTES, shape, StringTensors.encode(array));
        }
        RawTensor raw = tensor.asRawTensor();
        byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
        raw.data().read(bytes);
        return Tensor.of(name, actual, shape, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }
}
