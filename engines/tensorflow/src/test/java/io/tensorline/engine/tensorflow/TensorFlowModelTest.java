package io.tensorline.engine.tensorflow;

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
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

class TensorFlowModelTest {

    private static final long[] TWO_BY_FOUR = {2, 4};
    private static final Tensor A = TestModels.fp32("INPUT0", TWO_BY_FOUR, 1, 2, 3, 4, 5, 6, 7, 8);
    private static final Tensor B = TestModels.fp32("INPUT1", TWO_BY_FOUR, 0.5f, -1, 10, 0, 2, 2, -3, 100);
    private static final float[] A_PLUS_B = {1.5f, 1, 13, 4, 7, 8, 4, 108};
    private static final float[] A_MINUS_B = {0.5f, 3, -7, 4, 3, 4, 10, -92};

    private final TensorFlowEngineProvider provider = new TensorFlowEngineProvider();

    @Test
    void reportsTheSignaturesKeysTypesAndShapesSortedByKey() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            assertEquals(List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 4}),
                    new TensorSpec("INPUT1", DataType.FP32, new long[] {-1, 4})), model.inputs());
            assertEquals(List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 4}),
                    new TensorSpec("OUTPUT1", DataType.FP32, new long[] {-1, 4})), model.outputs());
        }
    }

    @Test
    void addSubAddsAndSubtractsWhateverTheInputOrder() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            assertOutputs(model.execute(List.of(A, B)));
            assertOutputs(model.execute(List.of(B, A)));
        }
    }

    @Test
    void servesTheSignatureTheParameterNames() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub", Map.of("TF_SIGNATURE_DEF", "sum")))) {
            assertEquals(List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 4})), model.outputs());

            List<Tensor> outputs = model.execute(List.of(A, B));

            assertEquals(1, outputs.size());
            assertArrayEquals(A_PLUS_B, TestModels.floats(outputs.get(0)));
        }
    }

    @Test
    void aMissingSignatureFailsTheLoadNamingTheOnesThereAre() {
        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(TestModels.request("add_sub", Map.of("TF_SIGNATURE_DEF", "predict"))));

        assertEquals("model 'add_sub' version 1: the SavedModel has no signature 'predict' (expected one of"
                + " [serving_default, sum]; parameter TF_SIGNATURE_DEF names another)", e.getMessage());
    }

    @Test
    void aMissingGraphTagFailsTheLoadWithTensorFlowsReason() {
        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(TestModels.request("add_sub", Map.of("TF_GRAPH_TAG", "train"))));

        assertTrue(e.getMessage().startsWith("model 'add_sub' version 1: TensorFlow could not load the SavedModel at "
                + TestModels.savedModel("add_sub") + " with tag 'train' (parameter TF_GRAPH_TAG): "), e.getMessage());
        assertTrue(e.getMessage().contains("train"), e.getMessage());
    }

    @Test
    void anUnknownRankTakesTheShapeTheConfigDeclares() throws Exception {
        List<TensorSpec> in = List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 2}));
        List<TensorSpec> out = List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 2}));
        try (LoadedModel model = provider.load(
                TestModels.request("identity_unknown_rank", Map.of(), in, out, Device.CPU))) {
            assertEquals(in, model.inputs());
            assertEquals(out, model.outputs());

            Tensor output = model.execute(List.of(TestModels.fp32("INPUT0", new long[] {1, 2}, 3, 4))).get(0);

            assertArrayEquals(new float[] {3, 4}, TestModels.floats(output));
        }
    }

    @Test
    void anUnknownRankThatTheConfigDoesNotDeclareFailsTheLoad() {
        EngineException e = assertThrows(EngineException.class,
                () -> provider.load(TestModels.request("identity_unknown_rank")));

        assertEquals("model 'identity_unknown_rank' version 1: input 'INPUT0' has an unknown rank in the SavedModel"
                + " (expected: a known rank, or its dims in config.pbtxt)", e.getMessage());
    }

    @Test
    void aShapeTheSignatureRulesOutFailsAndTheInstanceStillServes() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            Tensor fiveWide = TestModels.fp32("INPUT0", new long[] {1, 5}, 1, 2, 3, 4, 5);

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(fiveWide, B)));

            assertEquals("model 'add_sub' version 1: input 'INPUT0' has shape [1, 5] (expected: [-1, 4])",
                    e.getMessage());
            assertOutputs(model.execute(List.of(A, B)));
        }
    }

    @Test
    void anErrorFromTensorFlowCarriesItsMessageAndTheInstanceStillServes() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            Tensor threeRows = TestModels.fp32("INPUT1", new long[] {3, 4}, new float[12]);

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, threeRows)));

            assertTrue(e.getMessage().startsWith("model 'add_sub' version 1: "), e.getMessage());
            assertTrue(e.getMessage().contains("Incompatible shapes: [2,4] vs. [3,4]"), e.getMessage());
            assertOutputs(model.execute(List.of(A, B)));
        }
    }

    @Test
    void aMissingInputFailsWithTensorFlowsMessage() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A)));

            assertTrue(e.getMessage().contains("INPUT1"), e.getMessage());
            assertOutputs(model.execute(List.of(A, B)));
        }
    }

    @Test
    void aWrongDatatypeFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            Tensor ints = Tensor.of("INPUT0", DataType.INT32, TWO_BY_FOUR, ByteBuffer.allocate(32));

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(ints, B)));

            assertEquals("model 'add_sub' version 1: input 'INPUT0' has datatype INT32 (expected: FP32)",
                    e.getMessage());
        }
    }

    @Test
    void anUnknownInputNameFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            EngineException e = assertThrows(EngineException.class,
                    () -> model.execute(List.of(A, B.rename("INPUT9"))));

            assertEquals("model 'add_sub' version 1: unexpected input 'INPUT9' (expected: [INPUT0, INPUT1])",
                    e.getMessage());
        }
    }

    @Test
    void anInputGivenTwiceFails() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, A)));

            assertEquals("model 'add_sub' version 1: input 'INPUT0' is given more than once", e.getMessage());
        }
    }

    @Test
    void malformedBytesFail() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("identity_string"))) {
            byte[] truncated = {5, 0, 0, 0, 'a', 'b'};
            Tensor input = Tensor.of("INPUT0", DataType.BYTES, new long[] {1, 1}, ByteBuffer.wrap(truncated));

            EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(input)));

            assertEquals("model 'identity_string' version 1: input 'INPUT0': malformed BYTES data: element 0 has"
                    + " length 5 but 2 bytes remain (expected: per element a 4-byte little-endian length followed by"
                    + " that many bytes)", e.getMessage());
        }
    }

    @Test
    void anEmptyBatchGivesAnEmptyOutput() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("identity_fp32"))) {
            Tensor empty = Tensor.of("INPUT0", DataType.FP32, new long[] {0, 3}, ByteBuffer.allocate(0));

            Tensor output = model.execute(List.of(empty)).get(0);

            assertArrayEquals(new long[] {0, 3}, output.shape());
            assertEquals(0, output.byteSize());
        }
    }

    @Test
    void everyTensorflowTensorIsClosedAfterEachCallAndAfterEachFailure() throws Exception {
        try (LoadedModel model = provider.load(TestModels.request("add_sub"))) {
            Tensor threeRows = TestModels.fp32("INPUT1", new long[] {3, 4}, new float[12]);
            model.execute(List.of(A, B)); // lets TensorFlow create what it keeps for the session
            long before = Pointer.totalCount();

            for (int i = 0; i < 50; i++) {
                model.execute(List.of(A, B));
                assertThrows(EngineException.class, () -> model.execute(List.of(A, threeRows)));
            }

            assertEquals(before, Pointer.totalCount());
        }
    }

    @Test
    void closeIsIdempotentAndRefusesLaterCalls() throws Exception {
        LoadedModel model = provider.load(TestModels.request("add_sub"));
        model.close();
        model.close();

        EngineException e = assertThrows(EngineException.class, () -> model.execute(List.of(A, B)));

        assertEquals("model 'add_sub' version 1 is closed", e.getMessage());
    }

    private static void assertOutputs(List<Tensor> outputs) {
        assertEquals(2, outputs.size());
        assertEquals("OUTPUT0", outputs.get(0).name());
        assertEquals("OUTPUT1", outputs.get(1).name());
        assertArrayEquals(TWO_BY_FOUR, outputs.get(0).shape());
        assertArrayEquals(TWO_BY_FOUR, outputs.get(1).shape());
        assertArrayEquals(A_PLUS_B, TestModels.floats(outputs.get(0)));
        assertArrayEquals(A_MINUS_B, TestModels.floats(outputs.get(1)));
    }
}
