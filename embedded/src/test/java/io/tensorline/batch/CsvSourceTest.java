package io.tensorline.batch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvSourceTest {

    private static final ModelInputs TWO_FLOATS = new ModelInputs("m",
            List.of(new ModelInputs.Slot("X", "FP32", new long[] {2}, 2, List.of("a", "b"))), 8);

    private static CsvSource source(Path dir, String text) throws IOException {
        Path file = dir.resolve("in.csv");
        Files.writeString(file, text);
        return new CsvSource(file, TWO_FLOATS);
    }

    private static float[] floats(BatchBuffers b) {
        ByteBuffer data = b.tensors().get(0).data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[data.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.getFloat(i * 4);
        }
        return out;
    }

    @Test
    void cellsReadAsFloatParseFloatReadsThemQuotedOrNot(@TempDir Path dir) throws IOException, BadRowException {
        String[][] rows = {{"1.5", "-0"}, {" 2 ", "\"3.25\""}, {"1e-45", "3.4028236e38"}, {"NaN", "-Infinity"},
                {"123456789.123", "0x1p3"}, {"+.5", "5."}, {"\"1\"\"\"", "2"}};
        StringBuilder text = new StringBuilder("a,b\n");
        for (String[] r : rows) {
            text.append(r[0]).append(',').append(r[1]).append('\n');
        }
        BatchBuffers into = new BatchBuffers(TWO_FLOATS, 16);
        try (CsvSource s = source(dir, text.toString())) {
            for (int r = 0; r < rows.length - 1; r++) {
                assertTrue(s.next(into, r));
            }
            BadRowException e = assertThrows(BadRowException.class, () -> s.next(into, 6));
            assertEquals("input 'X': '1\"' is not FP32", e.getMessage());
            assertEquals("line 8", s.where());
            assertFalse(s.next(into, 7));
        }
        float[] got = floats(into);
        for (int r = 0; r < rows.length - 1; r++) {
            for (int c = 0; c < 2; c++) {
                float want = Float.parseFloat(rows[r][c].replace("\"", "").trim());
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[r * 2 + c]), rows[r][c]);
            }
        }
    }

    @Test
    void badRowsKeepTheirErrors(@TempDir Path dir) throws IOException {
        try (CsvSource s = source(dir, "a,b\n1,2,3\n1,\n1,x\n1;2,3\n")) {
            BatchBuffers into = new BatchBuffers(TWO_FLOATS, 4);
            assertEquals("3 cells (expected: 2, as in the header)",
                    assertThrows(BadRowException.class, () -> s.next(into, 0)).getMessage());
            assertEquals("empty cell for input 'X'", assertThrows(BadRowException.class, () -> s.next(into, 1)).getMessage());
            assertEquals("line 3", s.where());
            assertEquals("input 'X': 'x' is not FP32", assertThrows(BadRowException.class, () -> s.next(into, 2)).getMessage());
            assertEquals("input 'X': '1;2' is not FP32", assertThrows(BadRowException.class, () -> s.next(into, 3)).getMessage());
            assertEquals(0, into.rows());
        }
    }
}
