package io.tensorline.perf.measure;

import io.tensorline.perf.PerfException;
import io.tensorline.perf.cli.LoadLevel;
import io.tensorline.perf.load.LoadGenerator;
import io.tensorline.perf.model.ServerStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/**
 * Measures one load level as perf_analyzer does: back-to-back windows of {@code --measurement-interval} until the
 * last three are stable or {@code --max-trials} windows have passed. Server statistics are read at every window
 * boundary, so each window gets the server's delta over the same time.
 */
public final class Profiler {

    /** Reads the model's cumulative server statistics. */
    @FunctionalInterface
    public interface StatsSource {
        ServerStats snapshot() throws PerfException;
    }

    /** Waits out a window; the real one sleeps. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** Hears about every window as it closes. */
    @FunctionalInterface
    public interface Listener {
        void window(LoadLevel level, int trial, Measurement window, Stability.Verdict verdict);
    }

    /**
     * Settings of the measurement, from the flags.
     *
     * @param windowRequests for count windows, the requests each window must complete; 0 for time windows
     */
    public record Settings(long intervalMs, long windowRequests, double stabilityPercent, int maxTrials,
                           OptionalInt percentile, Duration drainTimeout) {
    }

    /** How long a count window may wait for its requests before the run fails. */
    private static final Duration COUNT_WINDOW_TIMEOUT = Duration.ofMinutes(2);

    private final Settings settings;
    private final StatsSource stats;
    private final Sleeper sleeper;
    private final LongSupplier nanoClock;
    private final Listener listener;

    /** @param stats null when the server has no statistics extension */
    public Profiler(Settings settings, StatsSource stats, Sleeper sleeper, LongSupplier nanoClock, Listener listener) {
        this.settings = settings;
        this.stats = stats;
        this.sleeper = sleeper;
        this.nanoClock = nanoClock;
        this.listener = listener;
    }

    public LevelResult profile(LoadLevel level, LoadGenerator load, WindowRecorder recorder)
            throws PerfException, InterruptedException {
        List<Measurement> windows = new ArrayList<>();
        Stability.Verdict verdict;
        ServerStats before = stats == null ? null : stats.snapshot();
        long start = nanoClock.getAsLong();
        load.start();
        try {
            do {
                if (settings.windowRequests() > 0) {
                    if (!recorder.awaitRequests(settings.windowRequests(), COUNT_WINDOW_TIMEOUT)) {
                        throw new PerfException("a count window did not complete " + settings.windowRequests()
                                + " requests within " + COUNT_WINDOW_TIMEOUT.toSeconds() + " s at "
                                + describe(level) + " (expected: a smaller --measurement-request-count)");
                    }
                } else {
                    sleeper.sleep(settings.intervalMs());
                }
                long end = nanoClock.getAsLong();
                ServerStats after = stats == null ? null : stats.snapshot();
                Measurement window = recorder.drain(end - start, after == null ? null : after.minus(before));
                before = after;
                start = end;
                if (window.errors() > 0) {
                    throw new PerfException(window.errors() + " of " + (window.errors() + window.requests())
                            + " requests failed at " + describe(level) + "; the first: " + window.firstError());
                }
                windows.add(window);
                verdict = Stability.judge(windows, settings.stabilityPercent(), settings.percentile(),
                        settings.maxTrials());
                listener.window(level, windows.size(), window, verdict);
            } while (verdict == Stability.Verdict.CONTINUE);
        } catch (PerfException | InterruptedException | RuntimeException e) {
            try {
                load.stop(settings.drainTimeout());
            } catch (PerfException | InterruptedException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        load.stop(settings.drainTimeout());
        List<Measurement> last = windows.subList(Math.max(0, windows.size() - Stability.WINDOWS), windows.size());
        return new LevelResult(level, Measurement.merge(last), verdict == Stability.Verdict.STABLE, windows.size());
    }

    private static String describe(LoadLevel level) {
        return level.mode().label().toLowerCase(java.util.Locale.ROOT) + " " + level.display();
    }
}
