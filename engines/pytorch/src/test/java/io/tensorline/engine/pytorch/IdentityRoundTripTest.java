package io.tensorline.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tensorline.engine.DataType;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every identity_pt_<type> model gives back exactly the bytes it was given, from heap and from direct buffers. */
class IdentityRoundTripTest {

    private static final long[] SHAPE = {2, 3};
    private static final List<LoadedModel> LOADED = new ArrayList<>();
    private static PyTorchEngineProvider provider;

    @BeforeAll
    static void createProvider() {
        provider = new PyTorchEngineProvider();
    }

    @AfterAll
    static void closeModels() {
        LOADED.forEach(LoadedModel::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (boolean direct : new boolean[] {false, true}) {
            cases.add(Arguments.of("bool", DataType.BOOL, new byte[] {1, 0, 1, 1, 0, 0}, direct));
            cases.add(Arguments.of("uint8", DataType.UINT8, new byte[] {0, 1, 127, (byte) 128, (byte) 254,
                    (byte) 255}, direct));
            cases.add(Arguments.of("int8", DataType.INT8, new byte[] {-128, -1, 0, 1, 42, 127}, direct));
            cases.add(Arguments.of("int32", DataType.INT32,
                    TestModels.ints(Integer.MIN_VALUE, -1, 0, 1, 70000, Integer.MAX_VALUE), direct));
            cases.add(Arguments.of("int64", DataType.INT64,
                    TestModels.longs(Long.MIN_VALUE, -1, 0, 1, 1L << 40, Long.MAX_VALUE), direct));
            // 1.0, -2.0, +inf, smallest subnormal, a NaN, -0.0: raw half-precision bits must survive untouched.
            cases.add(Arguments.of("fp16", DataType.FP16, TestModels.shorts((short) 0x3C00, (short) 0xC000,
                    (short) 0x7C00, (short) 0x0001, (short) 0x7E01, (short) 0x8000), direct));
            cases.add(Arguments.of("fp32", DataType.FP32,
                    TestModels.ints(Float.floatToRawIntBits(1.5f), Float.floatToRawIntBits(-0.0f),
                            Float.floatToRawIntBits(Float.MIN_VALUE), Float.floatToRawIntBits(Float.MAX_VALUE),
                            Float.floatToRawIntBits(Float.NEGATIVE_INFINITY), 0x7FC00001), direct));
            cases.add(Arguments.of("fp64", DataType.FP64,
                    TestModels.longs(Double.doubleToRawLongBits(Math.PI), Double.doubleToRawLongBits(-0.0),
                            Double.doubleToRawLongBits(Double.MIN_VALUE), Double.doubleToRawLongBits(1e300),
                            Double.doubleToRawLongBits(Double.POSITIVE_INFINITY), 0x7FF8000000000001L), direct));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} direct={3}")
    @MethodSource("cases")
    void returnsTheExactBytes(String suffix, DataType type, byte[] raw, boolean direct) throws Exception {
        LoadedModel loaded = load(suffix, type);
        Tensor input = Tensor.of("INPUT__0", type, SHAPE, TestModels.buffer(raw, direct));

        List<Tensor> outputs = loaded.execute(List.of(input));

        assertEquals(1, outputs.size());
        Tensor output = outputs.get(0);
        assertEquals("OUTPUT__0", output.name());
        assertEquals(type, output.dataType());
        assertArrayEquals(SHAPE, output.shape());
        assertArrayEquals(raw, TestModels.bytes(output));
    }

    @Test
    void outputsDoNotChangeWhenTheNextCallReusesTheStagingBuffer() throws Exception {
        LoadedModel loaded = load("fp32", DataType.FP32);
        Tensor first = loaded.execute(List.of(TestModels.fp32("INPUT__0", new long[] {1, 2}, 1, 2))).get(0);

        loaded.execute(List.of(TestModels.fp32("INPUT__0", new long[] {1, 2}, 3, 4)));

        assertArrayEquals(new float[] {1, 2}, TestModels.floats(first));
    }

    @Test
    void stagingBufferFollowsGrowingAndShrinkingInputs() throws Exception {
        LoadedModel loaded = load("fp32", DataType.FP32);
        for (int rows : new int[] {1, 40, 3, 100, 0, 2}) {
            float[] values = new float[rows * 3];
            for (int i = 0; i < values.length; i++) {
                values[i] = rows * 1000 + i;
            }
            Tensor input = TestModels.fp32("INPUT__0", new long[] {rows, 3}, values);

            Tensor output = loaded.execute(List.of(input)).get(0);

            assertArrayEquals(new long[] {rows, 3}, output.shape());
            assertArrayEquals(values, TestModels.floats(output));
        }
    }

    private static LoadedModel load(String suffix, DataType type) throws Exception {
        LoadedModel loaded = provider.load(TestModels.identity(suffix, type));
        LOADED.add(loaded);
        return loaded;
    }
}
