package io.tensorline.engine.pytorch;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The committed TorchScript models (surefire runs in the module directory), their declarations, tensor helpers. */
final class TestModels {

    static final Path PYTORCH_REPOSITORY = Path.of("../../server/src/test/resources/pytorch-repository");
    static final Path EXAMPLE_REPOSITORY = Path.of("../../model-repository");

    /** add_sub_pt's config.pbtxt: INPUT__0, INPUT__1 -> OUTPUT__0 = sum, OUTPUT__1 = difference, all FP32 [4]. */
    static final List<TensorSpec> ADD_SUB_INPUTS = List.of(fp32Spec("INPUT__0", -1, 4), fp32Spec("INPUT__1", -1, 4));
    static final List<TensorSpec> ADD_SUB_OUTPUTS = List.of(fp32Spec("OUTPUT__0", -1, 4),
            fp32Spec("OUTPUT__1", -1, 4));

    private TestModels() {
    }

    static Path modelFile(String model) {
        return PYTORCH_REPOSITORY.resolve(model).resolve("1").resolve("model.pt");
    }

    static LoadRequest request(String model, List<TensorSpec> inputs, List<TensorSpec> outputs) {
        return request(model, modelFile(model), inputs, outputs, Map.of(), Device.CPU);
    }

    static LoadRequest request(String model, Path path, List<TensorSpec> inputs, List<TensorSpec> outputs,
                               Map<String, String> parameters, Device device) {
        return new LoadRequest(model, 1, path, device, parameters, inputs, outputs, 8, 1);
    }

    static LoadRequest addSub() {
        return request("add_sub_pt", ADD_SUB_INPUTS, ADD_SUB_OUTPUTS);
    }

    /** identity_pt_<suffix>: INPUT__0 -> OUTPUT__0, dims [-1] with a batch dimension. */
    static LoadRequest identity(String suffix, DataType type) {
        return request("identity_pt_" + suffix, List.of(new TensorSpec("INPUT__0", type, new long[] {-1, -1})),
                List.of(new TensorSpec("OUTPUT__0", type, new long[] {-1, -1})));
    }

    static TensorSpec fp32Spec(String name, long... shape) {
        return new TensorSpec(name, DataType.FP32, shape);
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
