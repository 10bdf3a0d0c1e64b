package io.tensorline.server.testing;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Hand-written engine instances for tests: they compute simple, checkable functions without any framework. */
public final class FakeModels {

    private FakeModels() {
    }

    /** Returns INPUT0 as OUTPUT0, the same type, shape and bytes. */
    public static LoadedModel identity(DataType type, long[] shape) {
        return new Fake(List.of(new TensorSpec("INPUT0", type, shape)), List.of(new TensorSpec("OUTPUT0", type, shape))) {
            @Override
            public List<Tensor> execute(List<Tensor> inputs) {
                return List.of(inputs.get(0).rename("OUTPUT0"));
            }
        };
    }

    /** FP32: OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1, element-wise. */
    public static LoadedModel addSub(long[] shape) {
        List<TensorSpec> in = List.of(new TensorSpec("INPUT0", DataType.FP32, shape),
                new TensorSpec("INPUT1", DataType.FP32, shape));
        List<TensorSpec> out = List.of(new TensorSpec("OUTPUT0", DataType.FP32, shape),
                new TensorSpec("OUTPUT1", DataType.FP32, shape));
        return new Fake(in, out) {
            @Override
            public List<Tensor> execute(List<Tensor> inputs) {
                ByteBuffer a = inputs.get(0).data();
                ByteBuffer b = inputs.get(1).data();
                int n = a.remaining() / 4;
                ByteBuffer sum = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer diff = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    float x = a.getFloat(i * 4);
                    float y = b.getFloat(i * 4);
                    sum.putFloat(x + y);
                    diff.putFloat(x - y);
                }
                long[] s = inputs.get(0).shape();
                return List.of(Tensor.of("OUTPUT0", DataType.FP32, s, sum.flip()),
                        Tensor.of("OUTPUT1", DataType.FP32, s, diff.flip()));
            }
        };
    }

    /** Fails every execution with an {@link EngineException} carrying {@code message}. */
    public static LoadedModel failing(DataType type, long[] shape, String message) {
        return new Fake(List.of(new TensorSpec("INPUT0", type, shape)), List.of(new TensorSpec("OUTPUT0", type, shape))) {
            @Override
            public List<Tensor> execute(List<Tensor> inputs) throws EngineException {
                throw new EngineException(message);
            }
        };
    }

    private abstract static class Fake implements LoadedModel {
        private final List<TensorSpec> inputs;
        private final List<TensorSpec> outputs;

        Fake(List<TensorSpec> inputs, List<TensorSpec> outputs) {
            this.inputs = inputs;
            this.outputs = outputs;
        }

        @Override
        public List<TensorSpec> inputs() {
            return inputs;
        }

        @Override
        public List<TensorSpec> outputs() {
            return outputs;
        }

        @Override
        public void close() {
        }
    }
}
