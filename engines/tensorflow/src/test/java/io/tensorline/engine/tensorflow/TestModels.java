package io.tensorline.engine.tensorflow;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The committed test SavedModels (surefire runs in the module directory) and tensor helpers. */
final class TestModels {

    static final Path TF_REPOSITORY = Path.of("../../server/src/test/resources/tensorflow-repository");
    static final Path EXAMPLE_REPOSITORY = Path.of("../../model-repository");

    private TestModels() {
    }

    /** {@code <model>/1/model.savedmodel}, the path the server hands to the engine. */
    static Path savedModel(String model) {
        return TF_REPOSITORY.resolve(model).resolve("1").resolve("model.savedmodel");
    }

    static LoadRequest request(String model) {
        return request(model, Map.of());
    }

    static LoadRequest request(String model, Map<String, String> parameters) {
        return request(model, parameters, List.of(), List.of(), Device.CPU);
    }

    static LoadRequest request(String model, Map<String, String> parameters, List<TensorSpec> declaredInputs,
                               List<TensorSpec> declaredOutputs, Device device) {
        return new LoadRequest(model, 1, savedModel(model), device, parameters, declaredInputs, declaredOutputs, -1,
                1);
    }

    static Tensor fp32(String name, long[] shape, float... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            data.putFloat(v);
        }
        return Tensor.of(name, DataType.FP32, shape, data.flip());
    }

    static float[] floats(Tensor tensor) {
        ByteBuffer data = tensor.data();
        float[] values = new float[data.remaining() / Float.BYTES];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.getFloat();
        }
        return values;
    }

    static byte[] bytes(Tensor tensor) {
        ByteBuffer data = tensor.data();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    /** The raw BYTES layout of {@code elements}. */
    static byte[] rawElements(byte[]... elements) {
        int size = 0;
        for (byte[] e : elements) {
            size += Integer.BYTES + e.length;
        }
        ByteBuffer data = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] e : elements) {
            data.putInt(e.length).put(e);
        }
        return data.array();
    }

    /** The raw BYTES layout of {@code strings}, each encoded as UTF-8. */
    static byte[] rawStrings(String... strings) {
        byte[][] elements = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            elements[i] = strings[i].getBytes(StandardCharsets.UTF_8);
        }
        return rawElements(elements);
    }

    /** {@code bytes} in a heap buffer, or in a direct one when {@code direct}. */
    static ByteBuffer buffer(byte[] bytes, boolean direct) {
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        return buffer.order(ByteOrder.LITTLE_ENDIAN).put(bytes).flip();
    }

    static byte[] shorts(short... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            data.putShort(v);
        }
        return data.array();
    }

    static byte[] ints(int... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            data.putInt(v);
        }
        return data.array();
    }

    static byte[] longs(long... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            data.putLong(v);
        }
        return data.array();
    }
}
