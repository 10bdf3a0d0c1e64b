package io.tensorline.batch;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * Progress of a run: on a terminal a bar redrawn in place with rows/s and ETA, otherwise a plain line every
 * interval. Rows are counted as their results arrive (any thread); the reporter thread {@code batch-progress} is
 * owned here and stopped by {@link #finish}.
 */
final class Progress {

    enum Mode { BAR, LINES, NONE }

    private final PrintStream out;
    private final Mode mode;
    private final DoubleSupplier fraction;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private volatile double startFraction = -1;
    private ScheduledExecutorService timer;

    Progress(PrintStream out, Mode mode, DoubleSupplier fraction) {
        this.out = out;
        this.mode = mode;
        this.fraction = fraction;
    }

    void start(long intervalMillis) {
        if (mode == Mode.NONE) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "batch-progress");
            t.setDaemon(true);
            return t;
        });
        long every = mode == Mode.BAR ? 200 : intervalMillis;
        timer.scheduleAtFixedRate(this::report, every, every, TimeUnit.MILLISECONDS);
    }

    /** Marks where this run's own work starts (after the chunks a resume skipped). */
    void markStart() {
        startFraction = fraction.getAsDouble();
    }

    void rowsDone(long n) {
        rows.addAndGet(n);
    }

    void rowFailed() {
        errors.incrementAndGet();
    }

    long rows() {
        return rows.get();
    }

    long errors() {
        return errors.get();
    }

    double rowsPerSecond() {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        return secs <= 0 ? 0 : rows.get() / secs;
    }

    /** Stops the reporter and prints the last state. */
    void finish() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            report();
            if (mode == Mode.BAR) {
                out.println();
            }
        }
    }

    private void report() {
        double f = fraction.getAsDouble();
        double secs = (System.nanoTime() - startNanos) / 1e9;
        double rate = secs <= 0 ? 0 : rows.get() / secs;
        double f0 = Math.max(0, startFraction);
        String eta = f > f0 && f < 1 ? clock(secs * (1 - f) / (f - f0)) : f >= 1 ? "0:00" : "?";
        String counts = String.format(Locale.ROOT, "%,d rows, %,.0f rows/s, %s errors, ETA %s", rows.get(), rate,
                errors.get(), eta);
        if (mode == Mode.BAR) {
            int width = 30;
            int filled = (int) Math.round(f * width);
            out.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                    + String.format(Locale.ROOT, "%3.0f%% ", f * 100) + counts + "   ");
            out.flush();
        } else {
            out.println(String.format(Locale.ROOT, "batch: %.1f%% read, ", f * 100) + counts);
        }
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
