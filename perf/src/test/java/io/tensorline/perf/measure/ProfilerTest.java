package io.tensorline.perf.measure;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.cli.LoadLevel;
import io.tensorline.perf.cli.LoadMode;
import io.tensorline.perf.load.LoadGenerator;
import io.tensorline.perf.model.ServerStats;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window loop over a fake load, a fake clock and a sleeper that plays back scripted windows. */
class ProfilerTest {

    private static final LoadLevel LEVEL = new LoadLevel(LoadMode.CONCURRENCY, 4);

    /** Counts start and stop calls. */
    private static final class FakeLoad implements LoadGenerator {
        int starts;
        int stops;

        @Override
        public void start() {
            starts++;
        }

        @Override
        public void stop(Duration timeout) {
            stops++;
        }
    }

    /** Each sleep "runs" one scripted window: it records that many requests and moves the clock one second. */
    private static final class Script implements Profiler.Sleeper {
        final WindowRecorder recorder;
        final int[] requestsPerWindow;
        final long[] clock = {0};
        int window;
        boolean failNext;

        Script(WindowRecorder recorder, int... requestsPerWindow) {
            this.recorder = recorder;
            this.requestsPerWindow = requestsPerWindow;
        }

        @Override
        public void sleep(long millis) {
            int n = requestsPerWindow[Math.min(window++, requestsPerWindow.length - 1)];
            for (int i = 0; i < n; i++) {
                recorder.success(1_000_000, 1_000, 2_000);
            }
            if (failNext) {
                recorder.failure("UNAVAILABLE: queue full");
            }
            clock[0] += millis * 1_000_000;
        }
    }

    private static Profiler profiler(Script script, Profiler.StatsSource stats, List<Stability.Verdict> heard,
                                     int maxTrials) {
        Profiler.Settings settings = new Profiler.Settings(1000, 0, 10, maxTrials, OptionalInt.empty(), Duration.ofSeconds(1));
        return new Profiler(settings, stats, script, () -> script.clock[0], (level, trial, w, v) -> heard.add(v));
    }

    @Test
    void stopsAtTheFirstStableWindowAndMergesTheLastThree() throws Exception {
        WindowRecorder recorder = new WindowRecorder(1);
        Script script = new Script(recorder, 10, 100, 100, 100, 100);
        List<Stability.Verdict> heard = new ArrayList<>();
        FakeLoad load = new FakeLoad();
        LevelResult r = profiler(script, null, heard, 10).profile(LEVEL, load, recorder);
        assertTrue(r.stable());
        assertEquals(4, r.trials());
        assertEquals(300, r.summary().requests());
        assertEquals(100.0, r.summary().inferPerSec(), 1e-9);
        assertEquals(List.of(Stability.Verdict.CONTINUE, Stability.Verdict.CONTINUE, Stability.Verdict.CONTINUE,
                Stability.Verdict.STABLE), heard);
        assertEquals(1, load.starts);
        assertEquals(1, load.stops);
        assertNull(r.summary().server());
    }

    @Test
    void givesUpAfterMaxTrialsAndReportsUnstable() throws Exception {
        WindowRecorder recorder = new WindowRecorder(1);
        Script script = new Script(recorder, 100, 200, 100, 200, 100);
        List<Stability.Verdict> heard = new ArrayList<>();
        FakeLoad load = new FakeLoad();
        LevelResult r = profiler(script, null, heard, 5).profile(LEVEL, load, recorder);
        assertFalse(r.stable());
        assertEquals(5, r.trials());
        assertEquals(400, r.summary().requests());
        assertEquals(Stability.Verdict.MAX_TRIALS, heard.get(4));
        assertEquals(1, load.stops);
    }

    @Test
    void serverStatisticsAreTheDeltaOverEachWindow() throws Exception {
        WindowRecorder recorder = new WindowRecorder(1);
        Script script = new Script(recorder, 100);
        long[] calls = {0};
        Profiler.StatsSource stats = () -> {
            long n = calls[0]++;
            // cumulative: 100 requests and 1 ms of queue per window
            return new ServerStats(100 * n, 100 * n, 100 * n, 0, 100 * n, n * 1_000_000, 0, 0, 0, 0, 0, 0);
        };
        LevelResult r = profiler(script, stats, new ArrayList<>(), 10).profile(LEVEL, new FakeLoad(), recorder);
        assertEquals(300, r.summary().server().successCount());
        assertEquals(10_000, r.summary().server().avgQueueNs());
        assertEquals(4, calls[0]);
    }

    @Test
    void failedRequestsStopTheRunWithTheFirstError() {
        WindowRecorder recorder = new WindowRecorder(1);
        Script script = new Script(recorder, 100);
        script.failNext = true;
        FakeLoad load = new FakeLoad();
        PerfException e = assertThrows(PerfException.class,
                () -> profiler(script, null, new ArrayList<>(), 10).profile(LEVEL, load, recorder));
        assertEquals("1 of 101 requests failed at concurrency 4; the first: UNAVAILABLE: queue full", e.getMessage());
        assertEquals(1, load.stops);
    }

    @Test
    void countWindowsEndWhenEnoughRequestsCompleted() throws Exception {
        WindowRecorder recorder = new WindowRecorder(2);
        long[] clock = {0};
        // the load completes 50 requests as soon as it starts and again whenever a window is drained
        LoadGenerator load = new LoadGenerator() {
            @Override
            public void start() {
                for (int i = 0; i < 50; i++) {
                    recorder.success(1_000, 0, 0);
                }
            }

            @Override
            public void stop(Duration timeout) {
            }
        };
        Profiler.Settings settings = new Profiler.Settings(1000, 50, 10, 3, OptionalInt.empty(), Duration.ofSeconds(1));
        List<Integer> windowSizes = new ArrayList<>();
        Profiler p = new Profiler(settings, null, ms -> { }, () -> clock[0] += 1_000_000_000L,
                (level, trial, w, v) -> {
                    windowSizes.add((int) w.requests());
                    for (int i = 0; i < 50; i++) {
                        recorder.success(1_000, 0, 0);
                    }
                });
        LevelResult r = p.profile(LEVEL, load, recorder);
        assertEquals(List.of(50, 50, 50), windowSizes);
        assertTrue(r.stable());
        assertEquals(100.0, r.summary().inferPerSec(), 1e-9);
    }
}
