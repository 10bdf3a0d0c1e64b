package io.tensorline.engine.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxRuntimeModelTest {

    private static final long[] TWO_BY_FOUR = {2, 4};
    private static final Tensor A = TestModels.fp32("INPUT0", TWO_BY_FOUR, 1, 2, 3, 4, 5, 6, 7, 8);
    private static final Tensor B = TestModels.fp32("INPUT1", TWO_BY_FOUR, 0.5f, -1, 10, 0, 2, 2, -3, 100);
    private static final float[] A_PLUS_B = {1.5f, 1, 13, 4, 7, 8, 4, 108};
    private static final float[] A_PLUS_B_PLUS_1 = {2.5f, 2, 14, 5, 8, 9, 5, 109};
    private static final float[] A_MINUS_B = {0.5f, 3, -7, 4, 3, 4, 10, -92};

    private final OnnxRuntimeEngineProvider provider = new OnnxRuntimeEngineProvider();

    @Test
    void addSubVersionOneAddsAndSubtracts() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", 1))) {
            List<Tensor> outputs = model.execute(List.of(A, B));

            assertOutputs(outputs, A_PLUS_B, A_MINUS_B);
        }
    }

    @Test
    void addSubVersionTwoAddsOneMore() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", 2))) {
            List<Tensor> outputs = model.execute(List.of(B, A));

            assertOutputs(outputs, A_PLUS_B_PLUS_1, A_MINUS_B);
        }
    }

    @Test
    void reportsADynamicBatchDimension() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("autocomplete_batch", 1))) {
            assertEquals(List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 3})), model.inputs());
            assertEquals(List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 3})), model.outputs());
        }
    }

    @Test
    void reportsFixedShapes() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("autocomplete_nobatch", 1))) {
            assertEquals(List.of(new TensorSpec("x", DataType.FP32, new long[] {2, 3})), model.inputs());
            assertEquals(List.of(new TensorSpec("y", DataType.FP32, new long[] {2, 3})), model.outputs());
        }
    }

    @Test
    void aWrongShapeFailsAndTheInstanceStillServes() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", 1))) {
            Tensor fiveWide = TestModels.fp32("INPUT0", new long[] {1, 5}, 1, 2, 3, 4, 5);
            Tensor alsoFiveWide = TestModels.fp32("INPUT1", new long[] {1, 5}, 1, 2, 3, 4, 5);

            EngineException e = assertThrows(EngineException.class,
                    () -> model.execute(List.of(fiveWide, alsoFiveWide)));

            assertTrue(e.getMessage().startsWith("model 'add_sub' version 1: "), e.getMessage());
            assertTrue(e.getMessage().contains("Got invalid dimensions for input: INPUT0"), e.getMessage());
            assertOutputs(model.execute(List.of(A, B)), A_PLUS_B, A_MINUS_B);
        }
    }

    @Test
    void aWrongDatatypeFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", 1))) {
            Tensor ints = Tensor.of("INPUT0", DataType.INT32, TWO_BY_FOUR, ByteBuffer.allocate(32));

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(ints, B)));

            assertTrue(e.getMessage().contains("Unexpected input data type"), e.getMessage());
        }
    }

    @Test
    void aDatatypeTheJavaApiCannotCreateFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("identity_fp32", 1))) {
            Tensor unsigned = Tensor.of("INPUT0", DataType.UINT16, new long[] {1, 2}, ByteBuffer.allocate(4));

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(unsigned)));

            assertTrue(e.getMessage().startsWith("model 'identity_fp32' version 1: input 'INPUT0' has datatype UINT16,"
                    + " which ONNX Runtime's Java API does not support"), e.getMessage());
        }
    }

    @Test
    void anUnknownInputNameFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", 1))) {
            EngineException e = assertThrows(EngineException.class,
                    () -> model.execute(List.of(A, B.rename("INPUT9"))));

            assertTrue(e.getMessage().contains("INPUT9"), e.getMessage());
        }
    }

    @Test
    void anInputGivenTwiceFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", 1))) {
            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, A)));

            assertEquals("model 'add_sub' version 1: input 'INPUT0' is given more than once", e.getMessage());
        }
    }

    @Test
    void malformedBytesFail() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("identity_string", 1))) {
            byte[] truncated = {5, 0, 0, 0, 'a', 'b'};
            Tensor input = Tensor.of("INPUT0", DataType.BYTES, new long[] {1, 1}, ByteBuffer.wrap(truncated));

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(input)));

            assertTrue(e.getMessage().startsWith("model 'identity_string' version 1: input 'INPUT0': malformed BYTES"
                    + " data: element 0 has length 5 but 2 bytes remain"), e.getMessage());
        }
    }

    @Test
    void anEmptyBatchGivesAnEmptyOutput() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("identity_fp32", 1))) {
            Tensor empty = Tensor.of("INPUT0", DataType.FP32, new long[] {0, 3}, ByteBuffer.allocate(0));

            Tensor output = model.execute(List.of(empty)).get(0);

            assertArrayEquals(new long[] {0, 3}, output.shape());
            assertEquals(0, output.byteSize());
        }
    }

    @Test
    void closeIsIdempotentAndRefusesLaterCalls() throws Exception {
        LoadedModel model = provider.load(TestModels.request("add_sub", 1));
        model.close();
        model.close();

        EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, B)));

        assertEquals("model 'add_sub' version 1 is closed", e.getMessage());
    }

    private static void assertOutputs(List<Tensor> outputs, float[] sum, float[] difference) {
        assertEquals(2, outputs.size());
        assertEquals("OUTPUT0", outputs.get(0).name());
        assertEquals("OUTPUT1", outputs.get(1).name());
        assertArrayEquals(TWO_BY_FOUR, outputs.get(0).shape());
        assertArrayEquals(TWO_BY_FOUR, outputs.get(1).shape());
        assertArrayEquals(sum, TestModels.floats(outputs.get(0)));
        assertArrayEquals(difference, TestModels.floats(outputs.get(1)));
    }
}
