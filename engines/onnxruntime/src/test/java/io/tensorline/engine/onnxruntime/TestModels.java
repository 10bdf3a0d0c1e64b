package io.tensorline.engine.onnxruntime;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The committed test models (surefire runs in the module directory) and tensor helpers. */
final class TestModels {

    static final Path TEST_REPOSITORY = Path.of("../../server/src/test/resources/test-repository");
    static final Path UNSUPPORTED_REPOSITORY = Path.of("../../server/src/test/resources/unsupported-repository");

    private TestModels() {
    }

    static Path modelFile(String model, int version) {
        return TEST_REPOSITORY.resolve(model).resolve(Integer.toString(version)).resolve("model.onnx");
    }

    static LoadRequest request(String model, int version) {
        return new LoadRequest(model, version, modelFile(model, version), Device.CPU,
                Map.of(), List.of(), List.of(), -1, 1);
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

    /** The raw BYTES layout of {@code strings}, each encoded as UTF-8. */
    static byte[] rawStrings(String... strings) {
        int size = 0;
        for (String s : strings) {
            size += Integer.BYTES + s.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer data = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (String s : strings) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            data.putInt(utf8.length).put(utf8);
        }
        return data.array();
    }

    /** {@code bytes} in a heap buffer, or in a direct one when {@code direct}. */
    static ByteBuffer buffer(byte[] bytes, boolean direct) {
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        return buffer.order(ByteOrder.LITTLE_ENDIAN).put(bytes).flip();
    }
}
