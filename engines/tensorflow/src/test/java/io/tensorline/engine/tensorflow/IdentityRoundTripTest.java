package io.tensorline.engine.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tensorline.engine.DataType;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every identity_<type> SavedModel gives back exactly the bytes it was given, from heap and from direct buffers. */
class IdentityRoundTripTest {

    private static final long[] SHAPE = {2, 3};
    private static final TensorFlowEngineProvider PROVIDER = new TensorFlowEngineProvider();
    private static final Map<String, LoadedModel> LOADED = new HashMap<>();

    @AfterAll
    static void closeModels() {
        LOADED.values().forEach(LoadedModel::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (boolean direct : new boolean[] {false, true}) {
            cases.add(Arguments.of("identity_bool", DataType.BOOL, new byte[] {1, 0, 1, 1, 0, 0}, direct));
            cases.add(Arguments.of("identity_uint8", DataType.UINT8,
                    new byte[] {0, 1, 127, (byte) 128, (byte) 254, (byte) 255}, direct));
            cases.add(Arguments.of("identity_uint16", DataType.UINT16,
                    TestModels.shorts((short) 0, (short) 1, (short) 300, (short) 0x7FFF, (short) 0x8000,
                            (short) 0xFFFF), direct));
            cases.add(Arguments.of("identity_int32", DataType.INT32,
                    TestModels.ints(Integer.MIN_VALUE, -1, 0, 1, 70000, Integer.MAX_VALUE), direct));
            cases.add(Arguments.of("identity_int64", DataType.INT64,
                    TestModels.longs(Long.MIN_VALUE, -1, 0, 1, 1L << 40, Long.MAX_VALUE), direct));
            // 1.0, -2.0, +inf, smallest subnormal, a NaN, -0.0: raw half-precision bits must survive untouched.
            cases.add(Arguments.of("identity_fp16", DataType.FP16,
                    TestModels.shorts((short) 0x3C00, (short) 0xC000, (short) 0x7C00, (short) 0x0001,
                            (short) 0x7E01, (short) 0x8000), direct));
            cases.add(Arguments.of("identity_bf16", DataType.BF16,
                    TestModels.shorts((short) 0x3F80, (short) 0xC000, (short) 0x7F80, (short) 0x0001,
                            (short) 0x7FC1, (short) 0x8000), direct));
            cases.add(Arguments.of("identity_fp32", DataType.FP32,
                    TestModels.ints(Float.floatToRawIntBits(1.5f), Float.floatToRawIntBits(-0.0f),
                            Float.floatToRawIntBits(Float.MIN_VALUE), Float.floatToRawIntBits(Float.MAX_VALUE),
                            Float.floatToRawIntBits(Float.NEGATIVE_INFINITY), 0x7FC00001), direct));
            cases.add(Arguments.of("identity_fp64", DataType.FP64,
                    TestModels.longs(Double.doubleToRawLongBits(Math.PI), Double.doubleToRawLongBits(-0.0),
                            Double.doubleToRawLongBits(Double.MIN_VALUE), Double.doubleToRawLongBits(1e300),
                            Double.doubleToRawLongBits(Double.POSITIVE_INFINITY), 0x7FF8000000000001L), direct));
            cases.add(Arguments.of("identity_string", DataType.BYTES,
                    TestModels.rawStrings("", "plain", "héllo wörld", "日本語", "emoji 🎉", "nul\u0000tab\tnewline\n"),
                    direct));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} direct={3}")
    @MethodSource("cases")
    void returnsTheExactBytes(String model, DataType type, byte[] raw, boolean direct) throws Exception {
        Tensor input = Tensor.of("INPUT0", type, SHAPE, TestModels.buffer(raw, direct));

        List<Tensor> outputs = load(model).execute(List.of(input));

        assertEquals(1, outputs.size());
        Tensor output = outputs.get(0);
        assertEquals("OUTPUT0", output.name());
        assertEquals(type, output.dataType());
        assertArrayEquals(SHAPE, output.shape());
        assertArrayEquals(raw, TestModels.bytes(output));
    }

    static Stream<Arguments> types() {
        return cases().filter(c -> !(Boolean) c.get()[3]).map(c -> Arguments.of(c.get()[0], c.get()[1]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void reportsTheSignaturesNamesTypesAndShapes(String model, DataType type) throws Exception {
        LoadedModel loaded = load(model);

        assertEquals(List.of(new TensorSpec("INPUT0", type, new long[] {-1, -1})), loaded.inputs());
        assertEquals(List.of(new TensorSpec("OUTPUT0", type, new long[] {-1, -1})), loaded.outputs());
    }

    @Test
    void bytesAreNotReadAsText() throws Exception {
        // Not UTF-8: a lone continuation byte, an overlong encoding, 0xFF; TensorFlow strings are byte strings.
        byte[] raw = TestModels.rawElements(new byte[] {(byte) 0x80}, new byte[] {(byte) 0xC0, (byte) 0x80},
                new byte[] {(byte) 0xFF, 0, (byte) 0xFE}, new byte[0]);
        Tensor input = Tensor.of("INPUT0", DataType.BYTES, new long[] {4, 1}, TestModels.buffer(raw, false));

        Tensor output = load("identity_string").execute(List.of(input)).get(0);

        assertArrayEquals(raw, TestModels.bytes(output));
    }

    @Test
    void aReadOnlyInputLargerThanTheStagingArrayArrivesWhole() throws Exception {
        int rows = 1000;
        int columns = 333; // 1,332,000 bytes: two chunks of staging, the second partial
        ByteBuffer data = ByteBuffer.allocate(rows * columns * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * columns; i++) {
            data.putFloat(i * 0.5f - 7);
        }
        byte[] raw = data.array();
        Tensor input = Tensor.of("INPUT0", DataType.FP32, new long[] {rows, columns},
                ByteBuffer.wrap(raw).asReadOnlyBuffer());

        Tensor output = load("identity_fp32").execute(List.of(input)).get(0);

        assertArrayEquals(raw, TestModels.bytes(output));
    }

    @Test
    void growingAndShrinkingBatchesKeepTheirValues() throws Exception {
        LoadedModel loaded = load("identity_fp32");
        for (int rows : new int[] {1, 40, 3, 100, 2}) {
            float[] values = new float[rows * 3];
            for (int i = 0; i < values.length; i++) {
                values[i] = rows * 1000 + i;
            }
            Tensor output = loaded.execute(List.of(TestModels.fp32("INPUT0", new long[] {rows, 3}, values))).get(0);

            assertArrayEquals(new long[] {rows, 3}, output.shape());
            assertArrayEquals(values, TestModels.floats(output));
        }
    }

    private static LoadedModel load(String model) throws Exception {
        LoadedModel loaded = LOADED.get(model);
        if (loaded == null) {
            loaded = PROVIDER.load(TestModels.request(model));
            LOADED.put(model, loaded);
        }
        return loaded;
    }
}
