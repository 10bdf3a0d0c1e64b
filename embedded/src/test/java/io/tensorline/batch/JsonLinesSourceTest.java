package io.tensorline.batch;

import io.tensorline.client.InferTensor;
import io.tensorline.proto.ModelMetadataResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON Lines reader without a tree: strict JSON, every number form, escapes, wrong types, line numbers. */
class JsonLinesSourceTest {

    @TempDir
    Path dir;

    /** A model with one input of {@code datatype} and {@code n} elements per row (max_batch_size 8). */
    private static ModelInputs inputs(String datatype, int n, Map<String, List<String>> mapping) {
        return ModelInputs.of(ModelMetadataResponse.newBuilder().setName("m")
                .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName("X").setDatatype(datatype)
                        .addShape(-1).addShape(n)).build(), 8, mapping);
    }

    private static ModelInputs inputs(String datatype, int n) {
        return inputs(datatype, n, Map.of());
    }

    /** Reads every line; a bad row becomes its message (prefixed by where it is) instead of a tensor. */
    private List<Object> read(ModelInputs inputs, String... lines) throws IOException {
        Path file = dir.resolve("in-" + System.nanoTime() + ".jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n");
        List<Object> out = new ArrayList<>();
        try (JsonLinesSource src = new JsonLinesSource(file, inputs)) {
            while (true) {
                BatchBuffers b = new BatchBuffers(inputs, 1);
                try {
                    if (!src.next(b, out.size())) {
                        return out;
                    }
                    out.add(b.tensors().get(0));
                } catch (BadRowException e) {
                    out.add(src.where() + ": " + e.getMessage());
                }
            }
        }
    }

    private float[] floats(String value) throws IOException {
        Object r = read(inputs("FP32", 1), "{\"X\": " + value + "}").get(0);
        assertTrue(r instanceof InferTensor, value + ": " + r);
        return ((InferTensor) r).asFloats();
    }

    private String error(ModelInputs inputs, String line) throws IOException {
        Object r = read(inputs, line).get(0);
        assertTrue(r instanceof String, line + " was accepted");
        return (String) r;
    }

    @Test
    void everyNumberFormReadsAsFloatParseFloatReadsIt() throws IOException {
        String[] forms = {"0", "-0", "0.0", "-0.0", "0e0", "-0E-7", "1", "-1", "1e3", "1E+3", "1e-3", "1.5e-3",
            "-2.5E-12", "123456", "16777216", "16777217", "16777219", "0.1", "0.30000001192092896",
            "1.17549435E-38", "1.4e-45", "1e-46", "3.4028235e38", "3.4028236e38", "1e39", "-1e39",
            "123456789012345678901234567890", "0.000000000000000000000000000001", "1.0000000000000000000000001",
            "9999999999", "1e10", "1e11", "1e-10", "1e-11", "7.038531e-26", "1e100000000000"};
        for (String f : forms) {
            float want = Float.parseFloat(f);
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(floats(f)[0]), f);
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(floats("-0")[0]), "negative zero");
    }

    @Test
    void randomFloatsInManyNotationsMatchParseFloat() throws IOException {
        Random rnd = new Random(13);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            float g = (float) rnd.nextGaussian() * (float) Math.pow(10, rnd.nextInt(12) - 6);
            values.add(Float.toString(f).replace("Infinity", "1e39"));
            values.add(String.format(Locale.ROOT, "%.6g", g));
            values.add(String.format(Locale.ROOT, "%.9e", g));
            values.add(String.format(Locale.ROOT, "%.3f", g));
            values.add(Integer.toString(rnd.nextInt()));
        }
        List<String> lines = new ArrayList<>();
        for (String v : values) {
            lines.add("{\"X\": [" + v + "]}");
        }
        List<Object> rows = read(inputs("FP32", 1), lines.toArray(new String[0]));
        assertEquals(values.size(), rows.size());
        for (int i = 0; i < values.size(); i++) {
            assertEquals(Float.floatToRawIntBits(Float.parseFloat(values.get(i))),
                    Float.floatToRawIntBits(((InferTensor) rows.get(i)).asFloats()[0]), values.get(i));
        }
    }

    @Test
    void doublesMatchParseDouble() throws IOException {
        Random rnd = new Random(7);
        List<String> values = new ArrayList<>(List.of("-0", "0.1", "1e22", "1e23", "9007199254740993",
            "2.2250738585072014E-308", "4.9e-324", "1.7976931348623157e308", "123.456e-20"));
        for (int i = 0; i < 2000; i++) {
            double d = Double.longBitsToDouble(rnd.nextLong());
            if (!Double.isNaN(d) && !Double.isInfinite(d)) {
                values.add(Double.toString(d));
            }
            values.add(String.format(Locale.ROOT, "%.8g", rnd.nextGaussian() * 1000));
        }
        List<String> lines = new ArrayList<>();
        for (String v : values) {
            lines.add("{\"X\": " + v + "}");
        }
        List<Object> rows = read(inputs("FP64", 1), lines.toArray(new String[0]));
        for (int i = 0; i < values.size(); i++) {
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(values.get(i))),
                    Double.doubleToRawLongBits(((InferTensor) rows.get(i)).asDoubles()[0]), values.get(i));
        }
    }

    @Test
    void whitespaceNestingOtherFieldsAndRepeatedKeys() throws IOException {
        ModelInputs in = inputs("FP32", 4);
        List<Object> rows = read(in,
                " \t{ \"X\" :\t[ 1 ,2, 3 ,4 ]  } \t",
                "{\"X\": [[1, 2], [3, [4]]]}",
                "{\"meta\": {\"a\": [1, {\"b\": null}], \"s\": \"x}\\\"]\"}, \"n\": -0.5e-7, \"t\": true, \"X\": [1,2,3,4]}",
                "{\"X\": [9, 9, 9, 9], \"X\": [1, 2, 3, 4]}",
                "{\"X\":[1,2,3,4],\"empty\":[],\"obj\":{}}");
        for (Object r : rows) {
            assertTrue(r instanceof InferTensor, String.valueOf(r));
            assertArrayEquals(new float[] {1, 2, 3, 4}, ((InferTensor) r).asFloats());
        }
    }

    @Test
    void escapedKeysAndStrings() throws IOException {
        ModelInputs in = inputs("FP32", 1);
        assertArrayEquals(new float[] {5}, ((InferTensor) read(in, "{\"\\u0058\": 5}").get(0)).asFloats());
        assertEquals("line 1: missing field 'X' for input 'X'", error(in, "{\"X\\\"\": 5}"));
        ModelInputs bytes = inputs("BYTES", 2);
        InferTensor t = (InferTensor) read(bytes, "{\"X\": [\"a\\\"b\\\\c\\/\\n\", \"\\u00e9\\ud83d\\ude00 \\t\"]}").get(0);
        assertArrayEquals(new String[] {"a\"b\\c/\n", "\u00e9\ud83d\ude00 \t"}, t.asStrings());
    }

    @Test
    void columnsMappedToOneInputAreReadInTheMappingsOrder() throws IOException {
        ModelInputs in = inputs("FP32", 3, Map.of("X", List.of("c", "a", "b")));
        InferTensor t = (InferTensor) read(in, "{\"a\": 1, \"b\": 2, \"c\": 3}").get(0);
        assertArrayEquals(new float[] {3, 1, 2}, t.asFloats());
    }

    @Test
    void wrongTypesNameTheFieldAndWhatWasExpected() throws IOException {
        ModelInputs fp32 = inputs("FP32", 2);
        assertEquals("line 1: field 'X' holds \"1\" (expected: numbers, FP32)", error(fp32, "{\"X\": [\"1\", 2]}"));
        assertEquals("line 1: field 'X' holds true (expected: numbers, FP32)", error(fp32, "{\"X\": [true, 2]}"));
        assertEquals("line 1: field 'X' holds null (expected: numbers, FP32)", error(fp32, "{\"X\": [null, 2]}"));
        assertEquals("line 1: field 'X' holds an object (expected: numbers, FP32)", error(fp32, "{\"X\": [{}, 2]}"));
        assertEquals("line 1: missing field 'X' for input 'X'", error(fp32, "{\"X\": null}"));
        assertEquals("line 1: missing field 'X' for input 'X'", error(fp32, "{\"Y\": [1, 2]}"));
        assertEquals("line 1: input 'X' got 3 values (expected: 2 for shape [2])", error(fp32, "{\"X\": [1, 2, 3]}"));
        assertEquals("line 1: input 'X' got 1 values (expected: 2 for shape [2])", error(fp32, "{\"X\": 1}"));
        assertEquals("line 1: field 'X' holds 5 (expected: strings)", error(inputs("BYTES", 1), "{\"X\": 5}"));
        assertEquals("line 1: field 'X' holds 1 (expected: booleans)", error(inputs("BOOL", 1), "{\"X\": [1]}"));
        assertEquals("line 1: input 'X': '1.5' is not INT32", error(inputs("INT32", 1), "{\"X\": 1.5}"));
        assertEquals("line 1: input 'X': '1e3' is not INT64", error(inputs("INT64", 1), "{\"X\": 1e3}"));
        assertArrayEquals(new long[] {-9223372036854775808L},
                ((InferTensor) read(inputs("INT64", 1), "{\"X\": -9223372036854775808}").get(0)).asLongs());
        assertArrayEquals(new boolean[] {true, false},
                ((InferTensor) read(inputs("BOOL", 2), "{\"X\": [true, false]}").get(0)).asBooleans());
    }

    @Test
    void invalidJsonIsABadRowWithItsColumn() throws IOException {
        ModelInputs in = inputs("FP32", 2);
        String[] bad = {"{\"X\": [1, 2,]}", "{\"X\": [1, 2]} x", "{\"X\": [01, 2]}", "{\"X\": [NaN, 2]}",
            "{\"X\": [1., 2]}", "{\"X\": [.5, 2]}", "{\"X\": [-, 2]}", "{X: [1, 2]}", "{'X': [1, 2]}",
            "{\"X\": [1, 2]", "{\"X\": \"abc}", "{\"X\": \"a\tb\"}", "{\"X\": \"\\x\"}", "{\"X\": \"\\u12g4\"}",
            "{\"X\": [1 2]}", "{\"X\" [1, 2]}", "{\"X\": [1, 2],}", "{\"X\": tru}", "{\"X\": [1e, 2]}",
            "{\"X\": [1, 2]}}", "{\"X\": [Infinity, 2]}", "{\"X\": [+1, 2]}", "{\"X\": [0x10, 2]}",
            "{\"X\": [1, 2], \"deep\": " + "[".repeat(100) + "]".repeat(100) + "}"};
        for (String line : bad) {
            String e = error(in, line);
            assertTrue(e.startsWith("line 1: the line is not valid JSON: ") && e.contains(" at column "), line + " -> " + e);
        }
        assertEquals("line 1: the line is not a JSON object", error(in, "[1, 2]"));
        assertEquals("line 1: the line is not a JSON object", error(in, "\"X\""));
    }

    @Test
    void badRowsKeepTheirLineNumbersAcrossBlankLinesAndTheReaderGoesOn() throws IOException {
        List<Object> rows = read(inputs("FP32", 1), "{\"X\": 1}", "", "   ", "{\"X\": \"no\"}", "{\"X\": 3}", "{", "{\"X\": 5}");
        assertEquals(5, rows.size());
        assertEquals("line 4: field 'X' holds \"no\" (expected: numbers, FP32)", rows.get(1));
        assertArrayEquals(new float[] {3}, ((InferTensor) rows.get(2)).asFloats());
        assertTrue(((String) rows.get(3)).startsWith("line 6: the line is not valid JSON"), (String) rows.get(3));
        assertArrayEquals(new float[] {5}, ((InferTensor) rows.get(4)).asFloats());
        assertFalse(rows.get(0) instanceof String);
    }

    @Test
    void aBadRowLeavesNothingOfItselfInTheBatch() throws Exception {
        ModelInputs in = inputs("FP32", 2);
        Path file = dir.resolve("rollback.jsonl");
        Files.writeString(file, "{\"X\": [1, 2]}\n{\"X\": [7, \"x\"]}\n{\"X\": [3, 4]}\n");
        BatchBuffers b = new BatchBuffers(in, 2);
        try (JsonLinesSource src = new JsonLinesSource(file, in)) {
            assertTrue(src.next(b, 0));
            assertThrows(BadRowException.class, () -> src.next(b, 1));
            assertTrue(src.next(b, 2));
        }
        assertArrayEquals(new float[] {1, 2, 3, 4}, b.tensors().get(0).asFloats());
        assertEquals(2, b.rowIndex(1));
        assertEquals(3, b.lineNumber(1));
    }
}
