package io.tensorline.batch;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {

    @Test
    void aBarRedrawsInPlaceWithRowsRateAndEta() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        double[] fraction = {0.25};
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), Progress.Mode.BAR,
                () -> fraction[0]);
        p.start(10_000);
        p.markStart();
        fraction[0] = 0.5;
        p.rowsDone(1234);
        p.rowFailed();
        p.finish();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r[###############...............]  50% 1,234 rows, "), out);
        assertTrue(out.contains(" rows/s, 1 errors, ETA "), out);
        assertTrue(out.endsWith("\n"), out);
    }

    @Test
    void withoutATerminalItPrintsPlainLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), Progress.Mode.LINES, () -> 1.0);
        p.start(10_000);
        p.rowsDone(10);
        p.finish();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("batch: 100.0% read, 10 rows, "), out);
        assertTrue(out.contains("ETA 0:00"), out);
        assertEquals(1, out.lines().count());
    }

    @Test
    void csvCellsFollowRfc4180Quoting() {
        java.util.List<String> cells = new java.util.ArrayList<>();
        CsvSource.split("a,\"b,c\",\"say \"\"hi\"\"\",", cells);
        assertEquals(java.util.List.of("a", "b,c", "say \"hi\"", ""), cells);
    }
}
