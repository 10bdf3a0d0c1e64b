package io.tensorline.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PyTorchModelTest {

    private static final long[] TWO_BY_FOUR = {2, 4};
    private static final Tensor A = TestModels.fp32("INPUT__0", TWO_BY_FOUR, 1, 2, 3, 4, 5, 6, 7, 8);
    private static final Tensor B = TestModels.fp32("INPUT__1", TWO_BY_FOUR, 0.5f, -1, 10, 0, 2, 2, -3, 100);
    private static final float[] A_PLUS_B = {1.5f, 1, 13, 4, 7, 8, 4, 108};
    private static final float[] A_MINUS_B = {0.5f, 3, -7, 4, 3, 4, 10, -92};

    private final PyTorchEngineProvider provider = new PyTorchEngineProvider();

    @Test
    void addSubAddsAndSubtracts() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            List<Tensor> outputs = model.execute(List.of(A, B));

            assertAddSub(outputs);
        }
    }

    @Test
    void inputsAreMatchedByNameNotByTheirOrderInTheRequest() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            List<Tensor> outputs = model.execute(List.of(B, A));

            assertAddSub(outputs);
        }
    }

    @Test
    void reportsTheDeclaredInputsAndOutputs() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            assertEquals(TestModels.ADD_SUB_INPUTS, model.inputs());
            assertEquals(TestModels.ADD_SUB_OUTPUTS, model.outputs());
        }
    }

    @Test
    void indexSuffixesPickArgumentsWhateverTheConfigOrder() throws Exception {
        List<TensorSpec> reversed = List.of(TestModels.ADD_SUB_INPUTS.get(1), TestModels.ADD_SUB_INPUTS.get(0));
        try (LoadedModel model = provider.load(TestModels.request("add_sub_pt", reversed,
                TestModels.ADD_SUB_OUTPUTS))) {
            List<Tensor> outputs = model.execute(List.of(B, A));

            assertAddSub(outputs);
        }
    }

    @Test
    void indexSuffixesLetTheConfigDeclareSomeOfTheResults() throws Exception {
        List<TensorSpec> differenceOnly = List.of(TestModels.fp32Spec("OUTPUT__1", -1, 4));
        try (LoadedModel model = provider.load(TestModels.request("add_sub_pt", TestModels.ADD_SUB_INPUTS,
                differenceOnly))) {
            List<Tensor> outputs = model.execute(List.of(A, B));

            assertEquals(1, outputs.size());
            assertEquals("OUTPUT__1", outputs.get(0).name());
            assertArrayEquals(A_MINUS_B, TestModels.floats(outputs.get(0)));
        }
    }

    @Test
    void otherNamesFollowTheConfigOrder() throws Exception {
        List<TensorSpec> inputs = List.of(TestModels.fp32Spec("minuend", -1, 4),
                TestModels.fp32Spec("subtrahend", -1, 4));
        List<TensorSpec> outputs = List.of(TestModels.fp32Spec("sum", -1, 4),
                TestModels.fp32Spec("difference", -1, 4));
        try (LoadedModel model = provider.load(TestModels.request("add_sub_pt", inputs, outputs))) {
            List<Tensor> result = model.execute(List.of(B.rename("subtrahend"), A.rename("minuend")));

            assertEquals("sum", result.get(0).name());
            assertEquals("difference", result.get(1).name());
            assertArrayEquals(A_PLUS_B, TestModels.floats(result.get(0)));
            assertArrayEquals(A_MINUS_B, TestModels.floats(result.get(1)));
        }
    }

    @Test
    void aResultCountOtherThanDeclaredFails() throws Exception {
        List<TensorSpec> oneOutput = List.of(TestModels.fp32Spec("sum", -1, 4));
        try (LoadedModel model = provider.load(TestModels.request("add_sub_pt", TestModels.ADD_SUB_INPUTS,
                oneOutput))) {
            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, B)));

            assertEquals("model 'add_sub_pt' version 1: forward() returned 2 tensors (expected: 1, for outputs [sum]"
                    + " as config.pbtxt declares)", e.getMessage());
        }
    }

    @Test
    void aNonContiguousResultIsCopiedRowMajor() throws Exception {
        List<TensorSpec> in = List.of(TestModels.fp32Spec("INPUT__0", 2, 3));
        List<TensorSpec> out = List.of(TestModels.fp32Spec("OUTPUT__0", 3, 2));
        try (LoadedModel model = provider.load(TestModels.request("transpose_pt", in, out))) {
            Tensor x = TestModels.fp32("INPUT__0", new long[] {2, 3}, 1, 2, 3, 4, 5, 6);

            Tensor output = model.execute(List.of(x)).get(0);

            assertArrayEquals(new long[] {3, 2}, output.shape());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, TestModels.floats(output));
        }
    }

    @Test
    void aModelThatChangesItsInputInPlaceNeitherTouchesTheCallersBufferNorLaterCalls() throws Exception {
        List<TensorSpec> in = List.of(TestModels.fp32Spec("INPUT__0", -1, -1));
        List<TensorSpec> out = List.of(TestModels.fp32Spec("OUTPUT__0", -1, -1));
        try (LoadedModel model = provider.load(TestModels.request("inplace_pt", in, out))) {
            byte[] raw = TestModels.bytes(TestModels.fp32("INPUT__0", new long[] {2, 3}, 1, 2, 3, 4, 5, 6));
            ByteBuffer callers = TestModels.buffer(raw, true);
            Tensor x = Tensor.of("INPUT__0", DataType.FP32, new long[] {2, 3}, callers);

            for (int call = 0; call < 3; call++) {
                Tensor y = model.execute(List.of(x)).get(0);

                assertArrayEquals(new long[] {2, 3}, y.shape());
                assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, TestModels.floats(y));
            }
            assertArrayEquals(raw, TestModels.bytes(x));
        }
    }

    @Test
    void forwardRunsWithoutAutogradOnAnyThread() throws Exception {
        List<TensorSpec> in = List.of(TestModels.fp32Spec("INPUT__0", -1, -1));
        List<TensorSpec> out = List.of(TestModels.fp32Spec("OUTPUT__0", -1, -1));
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "torch-test-grad-mode"));
        try (LoadedModel model = provider.load(TestModels.request("grad_mode_pt", in, out))) {
            Tensor x = TestModels.fp32("INPUT__0", new long[] {1, 2}, 5, 6);

            Tensor y = thread.submit(() -> model.execute(List.of(x)).get(0)).get(30, TimeUnit.SECONDS);

            assertArrayEquals(new float[] {0, 0}, TestModels.floats(y), "1.0 means autograd was on");
        } finally {
            thread.shutdownNow();
            assertTrue(thread.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aShapeTheConfigDoesNotAllowFailsAndTheInstanceStillServes() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            Tensor fiveWide = TestModels.fp32("INPUT__0", new long[] {1, 5}, 1, 2, 3, 4, 5);

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(fiveWide, B)));

            assertEquals("model 'add_sub_pt' version 1: input 'INPUT__0' has shape [1, 5] (expected: [-1, 4])",
                    e.getMessage());
            assertAddSub(model.execute(List.of(A, B)));
        }
    }

    @Test
    void aFailureInsideForwardFailsTheCallAndTheInstanceStillServes() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            Tensor threeRows = TestModels.fp32("INPUT__1", new long[] {3, 4}, new float[12]);

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, threeRows)));

            assertEquals("model 'add_sub_pt' version 1: PyTorch could not run forward(): The size of tensor a (2)"
                    + " must match the size of tensor b (3) at non-singleton dimension 0", e.getMessage());
            assertAddSub(model.execute(List.of(A, B)));
        }
    }

    @Test
    void aDatatypeOtherThanDeclaredFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            Tensor ints = Tensor.of("INPUT__0", DataType.INT32, TWO_BY_FOUR, ByteBuffer.allocate(32));

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(ints, B)));

            assertEquals("model 'add_sub_pt' version 1: input 'INPUT__0' has datatype INT32 (expected: FP32)",
                    e.getMessage());
        }
    }

    @Test
    void aResultDatatypeOtherThanDeclaredFails() throws Exception {
        List<TensorSpec> in = List.of(TestModels.fp32Spec("INPUT__0", -1, -1));
        List<TensorSpec> out = List.of(new TensorSpec("OUTPUT__0", DataType.FP64, new long[] {-1, -1}));
        try (LoadedModel model = provider.load(TestModels.request("identity_pt_fp32", in, out))) {
            Tensor x = TestModels.fp32("INPUT__0", new long[] {1, 1}, 1);

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(x)));

            assertEquals("model 'identity_pt_fp32' version 1: output 'OUTPUT__0' has datatype FP32 (expected: FP64,"
                    + " as config.pbtxt declares)", e.getMessage());
        }
    }

    @Test
    void anUnknownInputNameFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            EngineException e = assertThrows(EngineException.class,
                    () -> model.execute(List.of(A, B.rename("INPUT9"))));

            assertEquals("model 'add_sub_pt' version 1: unknown input 'INPUT9' (expected: [INPUT__0, INPUT__1])",
                    e.getMessage());
        }
    }

    @Test
    void anInputGivenTwiceFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, A)));

            assertEquals("model 'add_sub_pt' version 1: input 'INPUT__0' is given more than once", e.getMessage());
        }
    }

    @Test
    void aMissingInputFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.addSub())) {
            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(B)));

            assertEquals("model 'add_sub_pt' version 1: input 'INPUT__0' is missing (expected: [INPUT__0, INPUT__1])",
                    e.getMessage());
            assertAddSub(model.execute(List.of(A, B)));
        }
    }

    @Test
    void runsTheExampleMlp() throws Exception {
        List<TensorSpec> in = List.of(TestModels.fp32Spec("INPUT__0", -1, 4));
        List<TensorSpec> out = List.of(TestModels.fp32Spec("OUTPUT__0", -1, 3));
        try (LoadedModel model = provider.load(TestModels.request("mlp_torchscript",
                TestModels.EXAMPLE_REPOSITORY.resolve("mlp_torchscript").resolve("1"), in, out, Map.of(),
                Device.CPU))) {
            Tensor x = TestModels.fp32("INPUT__0", new long[] {3, 4}, new float[12]);

            Tensor y = model.execute(List.of(x)).get(0);

            assertArrayEquals(new long[] {3, 3}, y.shape());
            float[] values = TestModels.floats(y);
            // zero input: every row is the same function of the biases
            assertArrayEquals(Arrays.copyOfRange(values, 0, 3), Arrays.copyOfRange(values, 3, 6));
        }
    }

    @Test
    void closeIsIdempotentAndRefusesLaterCalls() throws Exception {
        LoadedModel model = provider.load(TestModels.addSub());
        model.close();
        model.close();

        EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, B)));

        assertEquals("model 'add_sub_pt' version 1 is closed", e.getMessage());
    }

    private static void assertAddSub(List<Tensor> outputs) {
        assertEquals(2, outputs.size());
        assertEquals("OUTPUT__0", outputs.get(0).name());
        assertEquals("OUTPUT__1", outputs.get(1).name());
        assertArrayEquals(TWO_BY_FOUR, outputs.get(0).shape());
        assertArrayEquals(TWO_BY_FOUR, outputs.get(1).shape());
        assertArrayEquals(A_PLUS_B, TestModels.floats(outputs.get(0)));
        assertArrayEquals(A_MINUS_B, TestModels.floats(outputs.get(1)));
        assertEquals(ByteOrder.LITTLE_ENDIAN, outputs.get(0).data().order());
    }
}
