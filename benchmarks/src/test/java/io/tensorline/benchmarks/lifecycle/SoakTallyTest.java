package io.tensorline.benchmarks.lifecycle;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SoakTallyTest {

    @Test
    void countsSentAnsweredAndUnexpectedPerTransport() {
        SoakTally tally = new SoakTally();
        for (int i = 0; i < 3; i++) {
            tally.sent("gRPC");
        }
        tally.outcome("gRPC", "good", "OK, outputs right", true, true);
        tally.outcome("gRPC", "wrong shape", "INVALID_ARGUMENT", true, true);
        tally.outcome("gRPC", "good", "DEADLINE_EXCEEDED (no answer)", false, false);
        tally.sent("REST");
        tally.outcome("REST", "unknown model", "400 {\"error\"}", false, true);

        assertEquals(3, tally.sent("gRPC", false));
        assertEquals(2, tally.sent("gRPC", true));
        assertEquals(1, tally.sent("REST", true));
        assertEquals(0, tally.sent("nothing", false));
        assertEquals(2, tally.unexpected());
        List<String[]> rows = tally.rows();
        assertEquals(4, rows.size());
        assertArrayEquals(new String[] {"REST", "unknown model", "400 {\"error\"}", "1", "**no**"}, rows.get(0));
        assertArrayEquals(new String[] {"gRPC", "good", "DEADLINE_EXCEEDED (no answer)", "1", "**no**"},
                rows.get(1));
        assertArrayEquals(new String[] {"gRPC", "wrong shape", "INVALID_ARGUMENT", "1", "yes"}, rows.get(3));
    }

    @Test
    void readsRssPeakAndThreadsFromProcStatus() {
        String status = """
                Name:\tjava
                VmPeak:\t 5000000 kB
                VmHWM:\t  412340 kB
                VmRSS:\t  398000 kB
                Threads:\t57
                SigQ:\t0/514354
                """;
        assertEquals(new ProcStatus(398000, 412340, 57), ProcStatus.parse(status));
        assertEquals(new ProcStatus(-1, -1, -1), ProcStatus.parse("Name:\tjava\n"));
    }
}
