package io.tensorline.perf.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorline.perf.PerfException;
import io.tensorline.perf.cli.InputDataSpec;
import io.tensorline.perf.model.ModelInfo;
import io.tensorline.perf.model.TensorMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputDataTest {

    private static ModelInfo model(int maxBatchSize, TensorMeta... inputs) {
        return new ModelInfo("m", List.of("1"), "test", List.of(inputs), List.of(), maxBatchSize, true);
    }

    private static TensorMeta meta(String name, String datatype, long... shape) {
        return new TensorMeta(name, datatype, shape);
    }

    private static List<InputSet> fromJson(ModelInfo model, int batch, Map<String, long[]> shapes, String json)
            throws PerfException {
        return new InputSets(model, batch, shapes, 4).fromSteps(InputDataFile.parse(json, "data.json"), "data.json");
    }

    private static String error(ModelInfo model, int batch, Map<String, long[]> shapes, String json) {
        return assertThrows(PerfException.class, () -> fromJson(model, batch, shapes, json)).getMessage();
    }

    private static float[] floats(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[raw.length / 4];
        for (int i = 0; i < f.length; i++) {
            f[i] = b.getFloat();
        }
        return f;
    }

    @Test
    void flatValuesBecomeLittleEndianRawData() throws Exception {
        List<InputSet> sets = fromJson(model(0, meta("X", "FP32", 2, 2)), 1, Map.of(),
                "{\"data\":[{\"X\":[1, 2, 3.5, -4]}]}");
        TensorData t = sets.get(0).tensors().get(0);
        assertArrayEquals(new long[] {2, 2}, t.shape());
        assertArrayEquals(new float[] {1, 2, 3.5f, -4}, floats(t.raw()));
    }

    @Test
    void eachDataEntryIsOneInputSet() throws Exception {
        List<InputSet> sets = fromJson(model(0, meta("X", "INT32", 1)), 1, Map.of(),
                "{\"data\":[{\"X\":[7]}, {\"X\":[8]}, {\"X\":[9]}]}");
        assertEquals(3, sets.size());
        assertEquals(9, ByteBuffer.wrap(sets.get(2).tensors().get(0).raw()).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void contentWithShapeFillsVariableDimensions() throws Exception {
        List<InputSet> sets = fromJson(model(8, meta("X", "FP32", -1, -1)), 2, Map.of(),
                "{\"data\":[{\"X\":{\"content\":[1,2,3],\"shape\":[3]}}]}");
        TensorData t = sets.get(0).tensors().get(0);
        assertArrayEquals(new long[] {2, 3}, t.shape());
        // one batch element's values repeated for each row of the batch
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, floats(t.raw()));
    }

    @Test
    void nestedArraysAreFlattened() throws Exception {
        List<InputSet> sets = fromJson(model(0, meta("X", "FP32", 2, 2)), 1, Map.of(),
                "{\"data\":[{\"X\":[[1,2],[3,4]]}]}");
        assertArrayEquals(new float[] {1, 2, 3, 4}, floats(sets.get(0).tensors().get(0).raw()));
    }

    @Test
    void aWholeBatchOfValuesIsTakenAsItIs() throws Exception {
        List<InputSet> sets = fromJson(model(4, meta("X", "FP32", -1, 2)), 2, Map.of(),
                "{\"data\":[{\"X\":[1,2,3,4]}]}");
        assertArrayEquals(new float[] {1, 2, 3, 4}, floats(sets.get(0).tensors().get(0).raw()));
    }

    @Test
    void bytesAreLengthPrefixed() throws Exception {
        List<InputSet> sets = fromJson(model(0, meta("S", "BYTES", 2)), 1, Map.of(),
                "{\"data\":[{\"S\":[\"ab\", \"\"]}]}");
        assertArrayEquals(new byte[] {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0}, sets.get(0).tensors().get(0).raw());
    }

    @Test
    void boolsAndSmallIntegers() throws Exception {
        List<InputSet> sets = fromJson(model(0, meta("B", "BOOL", 3), meta("I", "INT8", 2)), 1, Map.of(),
                "{\"data\":[{\"B\":[true,false,1], \"I\":[-128, 127]}]}");
        assertArrayEquals(new byte[] {1, 0, 1}, sets.get(0).tensors().get(0).raw());
        assertArrayEquals(new byte[] {-128, 127}, sets.get(0).tensors().get(1).raw());
    }

    @Test
    void outOfRangeIntegersAreRejected() {
        String msg = error(model(0, meta("I", "INT8", 1)), 1, Map.of(), "{\"data\":[{\"I\":[200]}]}");
        assertTrue(msg.contains("INT8 value 200 is out of range (expected: -128 to 127)"), msg);
    }

    @Test
    void wrongValueCountSaysWhatWasExpected() {
        String msg = error(model(8, meta("X", "FP32", -1, 4)), 2, Map.of(), "{\"data\":[{\"X\":[1,2,3]}]}");
        assertEquals("data.json data[0].X has 3 values (expected: 4 for shape [4], or 8 for the whole batch of 2)", msg);
    }

    @Test
    void missingInputIsNamed() {
        String msg = error(model(0, meta("A", "FP32", 1), meta("B", "FP32", 1)), 1, Map.of(), "{\"data\":[{\"A\":[1]}]}");
        assertEquals("data.json data[0] has no data for input 'B' (expected: every input of the model: A, B)", msg);
    }

    @Test
    void unknownInputIsNamed() {
        String msg = error(model(0, meta("A", "FP32", 1)), 1, Map.of(), "{\"data\":[{\"A\":[1], \"C\":[2]}]}");
        assertTrue(msg.contains("has input 'C' that model 'm' does not have (its inputs: A)"), msg);
    }

    @Test
    void malformedFilesAreRejected() {
        assertTrue(assertThrows(PerfException.class, () -> InputDataFile.parse("{\"inputs\":[]}", "f.json"))
                .getMessage().contains("no \"data\" array"));
        assertTrue(assertThrows(PerfException.class, () -> InputDataFile.parse("{not json", "f.json"))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(PerfException.class, () -> InputDataFile.parse("{\"data\":[{\"X\":{\"b64\":\"AA==\"}}]}", "f"))
                .getMessage().contains("\"b64\" data is not supported"));
        assertTrue(assertThrows(PerfException.class, () -> InputDataFile.parse("{\"data\":[{\"X\":5}]}", "f"))
                .getMessage().contains("number value (expected: an array"));
    }

    @Test
    void fileIsReadFromDisk(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.json");
        Files.writeString(file, "{\"data\":[{\"X\":[1,2]}]}");
        List<InputSet> sets = new InputSets(model(0, meta("X", "FP32", 2)), 1, Map.of(), 4)
                .build(new InputDataSpec(InputDataSpec.Kind.FILE, file), 1);
        assertArrayEquals(new float[] {1, 2}, floats(sets.get(0).tensors().get(0).raw()));
        assertThrows(PerfException.class, () -> new InputSets(model(0, meta("X", "FP32", 2)), 1, Map.of(), 4)
                .build(new InputDataSpec(InputDataSpec.Kind.FILE, dir.resolve("missing.json")), 1));
    }

    @Test
    void batchReplacesTheLeadingVariableDimension() throws Exception {
        List<InputSet> sets = new InputSets(model(8, meta("INPUT0", "FP32", -1, 16)), 4, Map.of(), 4)
                .build(InputDataSpec.random(), 1);
        TensorData t = sets.get(0).tensors().get(0);
        assertArrayEquals(new long[] {4, 16}, t.shape());
        assertEquals(4 * 16 * 4, t.raw().length);
    }

    @Test
    void zeroDataIsZero() throws Exception {
        List<InputSet> sets = new InputSets(model(0, meta("X", "INT64", 3)), 1, Map.of(), 4)
                .build(new InputDataSpec(InputDataSpec.Kind.ZERO, null), 1);
        assertArrayEquals(new byte[24], sets.get(0).tensors().get(0).raw());
    }

    @Test
    void shapeFlagFillsVariableDimensions() throws Exception {
        List<InputSet> sets = new InputSets(model(8, meta("X", "FP16", -1, -1, 3)), 2, Map.of("X", new long[] {5, 3}), 4)
                .build(InputDataSpec.random(), 1);
        assertArrayEquals(new long[] {2, 5, 3}, sets.get(0).tensors().get(0).shape());
        assertEquals(2 * 5 * 3 * 2, sets.get(0).tensors().get(0).raw().length);
    }

    @Test
    void variableDimensionsWithoutShapeAskForShape() {
        String msg = assertThrows(PerfException.class, () -> new InputSets(model(8, meta("X", "FP32", -1, -1)), 1,
                Map.of(), 4).build(InputDataSpec.random(), 1)).getMessage();
        assertEquals("input 'X' has variable dimensions [-1] (expected: --shape X:D1,D2,... with 1 dimensions,"
                + " without the batch dimension, or a \"shape\" in --input-data)", msg);
    }

    @Test
    void shapeFlagMustMatchFixedDimensionsAndRank() {
        ModelInfo m = model(0, meta("X", "FP32", -1, 3));
        assertTrue(assertThrows(PerfException.class, () -> new InputSets(m, 1, Map.of("X", new long[] {2, 4}), 4)
                .build(InputDataSpec.random(), 1)).getMessage().contains("(expected: dimension 1 to be 3"));
        assertTrue(assertThrows(PerfException.class, () -> new InputSets(m, 1, Map.of("X", new long[] {2}), 4)
                .build(InputDataSpec.random(), 1)).getMessage().contains("(expected: rank 2"));
        assertTrue(assertThrows(PerfException.class, () -> new InputSets(m, 1, Map.of("Y", new long[] {2}), 4)
                .build(InputDataSpec.random(), 1)).getMessage().contains("model 'm' has no input 'Y'"));
    }

    @Test
    void batchSizeIsCheckedAgainstMaxBatchSize() {
        assertEquals("-b 16 exceeds the max_batch_size 8 of model 'm' (expected: 1 to 8)",
                assertThrows(PerfException.class, () -> new InputSets(model(8, meta("X", "FP32", -1, 2)), 16, Map.of(), 4)
                        .build(InputDataSpec.random(), 1)).getMessage());
        assertEquals("-b 2: model 'm' does not support batching (max_batch_size 0; expected: -b 1)",
                assertThrows(PerfException.class, () -> new InputSets(model(0, meta("X", "FP32", 2)), 2, Map.of(), 4)
                        .build(InputDataSpec.random(), 1)).getMessage());
    }

    @Test
    void halfPrecisionJsonValuesRoundToNearestEven() throws Exception {
        List<JsonNode> values = new ArrayList<>();
        new ObjectMapper().readTree("[1.0, 0.5, -2, 1e6, 5.9604645e-8]").forEach(values::add);
        byte[] raw = TensorEncoder.fromJson("FP16", values, "X");
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((short) 0x3C00, b.getShort(0));
        assertEquals((short) 0x3800, b.getShort(2));
        assertEquals((short) 0xC000, b.getShort(4));
        assertEquals((short) 0x7C00, b.getShort(6));
        assertEquals((short) 0x0001, b.getShort(8));
    }
}
