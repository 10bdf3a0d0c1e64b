package io.tensorline.server.scheduler;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Map;

/**
 * A queue delay tuned to a p99 latency target (Tensorline's own, model parameter
 * {@code max_queue_delay_target_p99_us}): as long as it helps throughput, as short as keeps the 99th percentile of
 * arrival-to-batch-done latency under the target.
 *
 * <p>What it minimises: the mean latency, arrival (the transport's stamp) to the end of the request's batch. In a
 * closed loop of N clients the throughput is N / (that latency + the transport's own time), so the delay with the
 * lowest mean is the one with the highest throughput; under arrivals at a fixed rate the throughput is the rate
 * whatever the delay, and the lowest mean is what is left to win. A delay helps when requests that arrive close
 * together then share one execution instead of queueing behind each other; past that it only adds to the wait.
 *
 * <p>How: a search in rounds over {@link LatencyWindow windows} (at least {@value #WINDOW_REQUESTS} requests from
 * {@value #WINDOW_BATCHES} batches, each counting only requests that arrived under the delay it judges). A round is
 * a window at the current delay, one at {@code delay + step}, one at the current delay, one at {@code delay - step}
 * and one at the current delay again (the first of the next round).
 *
 * <p>Settling: whenever the delay in force changes (a probe opens or ends, the delay moves or is cut), the next
 * {@value #SETTLE_REQUESTS} requests and {@value #SETTLE_BATCHES} batches (both) belong to no window. In a closed
 * loop the batches a delay forms settle over many executions: at 4 outstanding the clients' requests either split
 * over two executions or merge into one, and under either delay the pattern they are in tends to last, so a window
 * that opened at once read the probe a fraction of its effect and the window after it the rest.
 *
 * <p>Evidence: each probe's difference to the mean of the two windows at the current delay either side of it (a drift
 * of the machine or the load that is steady over the three cancels out; against the window before alone, the drift
 * between windows was as large as what a step changes) is added to a one-sided cumulative sum for its direction, with
 * that difference's variance (each window's standard error, or the drift between successive windows at one delay when
 * that is larger: the median of the last {@value #DRIFT_PAIRS} pairs'); a sum that falls to 0 starts again, with the
 * probe's tail, so that a window that met a pause does not hold back the rounds after it. The delay moves to a probe
 * once its sum is over {@value #Z} standard errors, its mean in this round is lower and its p99 within the target (for
 * a probe up also within {@value #HEADROOM_PERCENT} % of it, or no higher than the current delay's: in a closed loop a
 * longer delay can shorten the tail, as batches that merge more requests leave fewer of them queued behind an
 * execution). So a small but steady gain moves it after a few rounds while noise does not. Probes start only while the
 * current delay's pooled p99 is within the target (at delay 0 always: no shorter delay is left to try).
 *
 * <p>Step: a move doubles it when it goes the same way as the last. A round where both probes did worse (the best
 * delay is bracketed; at delay 0 one probe worse is one noisy window), or the {@value #ROUNDS_PER_STEP}th without a
 * move, halves it, unless a direction's sum leads by {@value #BUILDING_Z} standard error and its probe's tail is
 * within what a move needs (at a few outstanding a gain of a few per cent takes more rounds than that to pass the
 * rule; then up to 3x as many; a gain the tail bars keeps no step, a shorter one may find a delay within it). It
 * never exceeds a quarter of the bound nor an eighth of the current mean latency (a probe is a small change next to
 * what requests already take; it follows that cap only when the cap falls an eighth or more below it, as the mean
 * wanders from window to window), and never falls under a {@value #FLOOR_SHARE_OF_MEAN}th of the mean nor 1/64 of
 * the bound (a smaller step's effect is lost in a window's noise). At that floor, after {@code 2 x}
 * {@value #ROUNDS_PER_STEP} rounds without a move the step goes back to the largest: a narrow search may have
 * settled on a flat stretch short of the best delay, or the load moved it.
 *
 * <p>Rests: a probe costs its requests what the delay either side loses, so after {@value #QUIET_ROUNDS} rounds in
 * a row without a move the rounds are spaced out by rests of 2, 4, 8, ... up to {@value #MAX_REST} windows at the
 * current delay; a move halves that count of quiet rounds (a real slope moves the delay round after round and soon
 * ends the rests, a single move on a flat optimum only shortens them) unless it goes back the way the last move came
 * (to and fro about a flat optimum: the rests stay as long), a cut or a load change ends them.
 *
 * <p>Tail: the current delay's p99 is that of its last {@value #POOL_WINDOWS} windows pooled ({@link TailPool}; a
 * window of 256 requests puts its p99 on its third longest, which moves from window to window by as much as a step
 * changes it), the accepted probe's windows counting as its first; a probe's p99 is that of its windows since its sum
 * last started, leaving out a window that met a pause (below). When the pooled p99 (of 2 windows or more) passes the
 * target by no more than the delay, the delay is halved at once (again every other window while the excess lasts), and
 * the search starts again from there with the largest step. A delay adds at most itself to a request's wait, so an
 * excess larger than the delay is not its doing: a pause of the machine or of the clients (a client process starting up
 * compiles on the same cores for seconds), which a cut would not end and would leave the delay short after; that halves
 * the delay only once it has lasted {@code LASTING_NANOS} (10 s: a load at which no delay meets the target, where the
 * shortest tail is what is left to win). Windows in a row whose means are {@value #LOAD_CHANGE_PERCENT} % away from the
 * recent ones the same way for a second or more ({@code LOAD_CHANGE_NANOS}, two windows at least: the load changed; a
 * window or two alone are a burst) restart the search with the largest step too.
 *
 * <p>Pauses: a window whose p99 passes the target by more than its delay and {@value #PAUSE_MARGIN_PERCENT} % of the
 * target met a pause (a delay adds at most itself to a request's wait), and its mean tells of the pause more than of
 * the delay: it judges no probe (a round whose probes all met one rests like a quiet round, but does not count
 * towards halving the step), joins no probe's tail and is no sign of a load change; unless the current delay's
 * excess has lasted {@code LASTING_NANOS}.
 *
 * <p>It starts at 0; a model that cannot meet the target keeps 0, its probes up finding no delay with a shorter
 * tail (once rests are at their longest, about one window in eighteen is a probe). The bound is the model's
 * {@code max_queue_delay_microseconds} when set (at most the target), else half the target. Batcher thread only.
 */
final class LatencyTargetDelay implements QueueDelay {

    private static final Logger LOG = LoggerFactory.getLogger(LatencyTargetDelay.class);

    static final String PARAMETER = "max_queue_delay_target_p99_us";
    static final int WINDOW_REQUESTS = 256;
    static final int WINDOW_BATCHES = 16;
    /** Windows between two DEBUG summaries of where the windows went. */
    static final int SUMMARY_WINDOWS = 64;
    /** Standard errors of the accumulated difference a probe needs to move the delay. */
    static final double Z = 2.0;
    static final int HEADROOM_PERCENT = 90;
    /** Windows at the current delay whose latencies are pooled for its p99. */
    static final int POOL_WINDOWS = 4;
    /** How long the pooled p99 must stay over the target by more than the delay before that, too, cuts it: a delay
     *  adds at most itself to a request's wait, so an excess larger than it is a pause (of the machine or the
     *  clients: a collection, a client process starting and compiling on the same 2 cores) or a load at which no
     *  delay meets the target; only the latter lasts. */
    static final long LASTING_NANOS = 10_000_000_000L;
    /** How far windows in a row must be from the recent mean, the same way, to be a load change: this many per
     *  cent of it, and {@value #LOAD_CHANGE_SD} times the drift's standard deviation (at 4 outstanding on a shared
     *  2-core machine successive windows at one delay were 13-26 % apart, and 10 % alone restarted the evidence every
     *  few rounds). */
    static final int LOAD_CHANGE_PERCENT = 10;
    static final double LOAD_CHANGE_SD = 3.0;
    /** How long windows at the current delay must stay away the same way (2 of them at least) to be a load change:
     *  clients pausing, reconnecting or switching phase moved two 40 ms windows in a row at 32 outstanding, 16 times
     *  in 1,088 windows, each restarting the search; a load that changed stays changed. */
    static final long LOAD_CHANGE_NANOS = 1_000_000_000L;
    /** A window met a pause when its p99 passes the target by more than its delay and this share of the target
     *  (at delay 0 a window just over a target set near the p99 is the load, not a pause). */
    static final int PAUSE_MARGIN_PERCENT = 10;
    static final int ROUNDS_PER_STEP = 3;
    /** A direction whose evidence is this many standard errors in its favour keeps the step longer. */
    static final double BUILDING_Z = 1.0;
    /** Rounds in a row without a move before the tuner rests between rounds; the rest then doubles, up to
     *  {@value #MAX_REST} windows at the current delay. */
    static final int QUIET_ROUNDS = 2;
    static final int MAX_REST = 32;
    /** A probe is at most the current mean latency over this away from the current delay. */
    static final int STEP_SHARE_OF_MEAN = 8;
    /** The step is never less than the current mean latency over this (nor 1/64 of the bound). */
    static final int FLOOR_SHARE_OF_MEAN = 32;
    /** After the delay in force changes (a probe opens or ends, a move, a cut), the requests and batches (both) that
     *  no window judges: in a closed loop the batches a delay forms take a while to settle (at 4 outstanding the
     *  clients' requests split over two executions or merge into one, and under either delay the pattern they are
     *  in tends to last), and a window that opens at once reads a mix of the old delay's pattern and the new. A
     *  quarter of a window: half a window cost the memoryless plants of the tests more rounds than it won. */
    static final int SETTLE_REQUESTS = WINDOW_REQUESTS / 4;
    static final int SETTLE_BATCHES = WINDOW_BATCHES / 4;
    /** Pairs of successive windows at one delay whose differences give the drift's variance, and how many it takes. */
    static final int DRIFT_PAIRS = 8;
    static final int DRIFT_MIN_PAIRS = 3;
    /** The median of a chi-square variable of one degree of freedom (its mean is 1). */
    static final double CHI_SQUARE_MEDIAN = 0.4549;

    private static final int UP = 0;
    private static final int DOWN = 1;
    private static final int CURRENT = 2;

    /** The model as logs name it, e.g. {@code 'm' version 1}. */
    private final String model;
    private final long targetNanos;
    private final long boundNanos;
    private final long minStepNanos;
    private final long maxStepNanos;
    private final LatencyWindow window = new LatencyWindow(WINDOW_REQUESTS, WINDOW_BATCHES);
    /** The latest windows at the current delay, for its p99. */
    private TailPool pool = new TailPool(POOL_WINDOWS);
    /** Per direction, the probe windows since the evidence last restarted (all at one probe delay): the probe's p99,
     *  and the current delay's pool if the delay moves there. */
    private final TailPool[] probePools = {new TailPool(POOL_WINDOWS), new TailPool(POOL_WINDOWS)};

    /** The tuned delay. */
    private long delayNanos;
    private long stepNanos;
    /** UP, DOWN: a probe window is open; CURRENT: a window at the tuned delay. */
    private int phase = CURRENT;
    /** The delay in force during a probe window. */
    private long probeNanos;
    /** The window at the current delay before the pending probe. */
    private double beforeMean;
    private double beforeError;
    /** Whether that window met a pause (see {@link #paused}). */
    private boolean beforePaused;
    /** UP or DOWN: a probe window closed and waits for the window after it; -1: none. */
    private int pendingDirection = -1;
    private double pendingMean;
    private double pendingError;
    private long pendingNanos;
    private boolean pendingPaused;
    /** The current delay's pooled p99. */
    private long currentP99;
    /** When the pooled p99 at the current delay last went over the target (a window's end); -1: it is within. */
    private long overSinceNanos = -1;
    /** Per direction, since the delay or the step last changed or the sum last fell to 0: the sum of (mean of the
     *  current-delay windows either side - probe mean), and of the variances of those differences. */
    private final double[] evidence = new double[2];
    private final double[] variance = new double[2];
    /** This round's best probe (its delay and its lead in standard errors); -1: none that may move the delay. */
    private int bestDirection = -1;
    private double bestZ;
    private long bestNanos;
    private double bestMean;
    /** Whether every probe of this round did worse than the current delay. */
    private boolean allWorse;
    /** Probes judged this round: a round halves the step when all did worse only if it had one either side. */
    private int probesThisRound;
    /** Probes of this round not judged because a window of theirs met a pause. */
    private int excusedThisRound;
    /** Since the start, for the DEBUG summary every {@value #SUMMARY_WINDOWS} windows: windows at the tuned delay,
     *  probe windows (up, down), cuts and load changes; what the search costs is the probes' share. */
    private long windowsAtDelay;
    private final long[] probeWindows = new long[2];
    /** Probes not judged (a window of theirs met a pause) and windows at the tuned delay kept out of the load's
     *  recent mean for the same reason. */
    private long excusedProbes;
    private long excusedWindows;
    private long cuts;
    private long loadChanges;
    /** Settlings after the delay in force changed, and what is left of the one under way (requests, batches). */
    private long settlings;
    private boolean settling;
    private int settleRequests;
    private int settleBatches;
    /** The smallest step for this load: {@code minStepNanos}, or a {@value #FLOOR_SHARE_OF_MEAN}th of the mean latency
     *  when that is larger (a step whose effect is lost in the noise of a window's mean only costs its probes). */
    private long floorNanos;
    /** Whether a direction's evidence is a standard error or more in its favour: a gain still building up. */
    private boolean building;
    private int roundsAtStep;
    /** +1 or -1: the direction of the last move; 0 after a round without one. */
    private int lastMove;
    /** +1 or -1: the direction of the last move, however many rounds ago; 0 after a cut or a load change. */
    private int previousMove;
    /** Windows at the current delay before the next round. */
    private int rest;
    /** Rounds without a move, in a row; a move halves it, a cut or a load change sets it to 0. */
    private int quietRounds;
    /** The mean of recent windows at the current delay, to tell a load change; 0: none yet. */
    private double recentMean;
    /** +1 or -1 when the last window at the current delay had a mean that far above or below the recent ones, else 0. */
    private int lastAway;
    /** When the first of the windows in a row away the way of {@code lastAway} closed. */
    private long awaySinceNanos;
    /**
     * How much the means of windows at one delay differ from one to the next, as a variance of one window's mean:
     * what the machine's own ups and downs add to the noise, which each window's standard error does not see.
     */
    private double driftVariance;
    /** Half the squared difference of each of the last {@value #DRIFT_PAIRS} pairs of successive windows at one
     *  delay, and how many pairs there have been. */
    private final double[] driftPairs = new double[DRIFT_PAIRS];
    private long driftCount;
    private double lastCurrentMean;
    private long lastCurrentDelay = -1;

    LatencyTargetDelay(long targetNanos, long maxNanos) {
        this("(unnamed)", targetNanos, maxNanos);
    }

    /** @param model the model as logs name it, e.g. {@code 'm' version 1} */
    LatencyTargetDelay(String model, long targetNanos, long maxNanos) {
        this.model = model;
        if (targetNanos <= 0) {
            throw new IllegalArgumentException(PARAMETER + ": " + targetNanos / 1000 + " (expected: > 0)");
        }
        this.targetNanos = targetNanos;
        this.boundNanos = maxNanos > 0 ? Math.min(maxNanos, targetNanos) : targetNanos / 2;
        this.minStepNanos = Math.max(1, boundNanos / 64);
        this.maxStepNanos = Math.max(minStepNanos, boundNanos / 4);
        this.stepNanos = maxStepNanos;
    }

    /**
     * The delay a model's parameters ask for: the target when {@value #PARAMETER} is set, else the fixed
     * {@code max_queue_delay_microseconds}.
     */
    static QueueDelay of(Map<String, String> parameters, long configuredDelayNanos) {
        return of("(unnamed)", parameters, configuredDelayNanos);
    }

    /** As above, for {@code model} as logs name it. */
    static QueueDelay of(String model, Map<String, String> parameters, long configuredDelayNanos) {
        String value = parameters.get(PARAMETER);
        if (value == null) {
            return QueueDelay.fixed(configuredDelayNanos);
        }
        long micros;
        try {
            micros = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            micros = -1;
        }
        if (micros <= 0) {
            throw new IllegalArgumentException("parameter " + PARAMETER + ": '" + value
                    + "' (expected: a positive number of microseconds)");
        }
        return new LatencyTargetDelay(model, BatchingPolicy.microsToNanos(micros), configuredDelayNanos);
    }

    @Override
    public boolean adapts() {
        return true;
    }

    @Override
    public long nanos() {
        return phase == CURRENT ? delayNanos : probeNanos;
    }

    /** The tuned delay, leaving out a probe in progress; for tests. */
    long tunedNanos() {
        return delayNanos;
    }

    /** Windows judged so far (at the tuned delay and probes). */
    long windowsJudged() {
        return windowsAtDelay + probeWindows[UP] + probeWindows[DOWN];
    }

    @Override
    public void observe(long arrivalNanos, long doneNanos, boolean lastOfBatch) {
        if (settling) {
            // the delay in force just changed: the closed loop takes a while to reach the batches it forms under the
            // new one, and what it does meanwhile is judged by no window; it ends with a batch
            settleRequests--;
            settleBatches -= lastOfBatch ? 1 : 0;
            if (lastOfBatch && settleBatches <= 0 && settleRequests <= 0) {
                settling = false;
                settlings++;
                window.restart(doneNanos);
                if (LOG.isTraceEnabled()) {
                    LOG.trace("model {}: settled at {} µs; the next window judges it", model, nanos() / 1000);
                }
            }
            return;
        }
        window.add(arrivalNanos, doneNanos, lastOfBatch);
        if (lastOfBatch && window.full()) {
            long inForce = nanos();
            double mean = window.mean();
            double error = window.standardError();
            if (LOG.isTraceEnabled()) {
                LOG.trace("model {}: window at {} µs ({}): mean {} µs, p99 {} µs, {} requests", model, nanos() / 1000,
                        phase == CURRENT ? "tuned" : phase == UP ? "probe up" : "probe down", Math.round(mean / 1000),
                        window.p99() / 1000, window.count());
            }
            if (phase == CURRENT) {
                windowsAtDelay++;
                current(mean, error, doneNanos);
            } else {
                probeWindows[phase]++;
                probed(mean, error, doneNanos);
            }
            if (nanos() != inForce) {
                settling = true;
                settleRequests = SETTLE_REQUESTS;
                settleBatches = SETTLE_BATCHES;
            } else {
                window.restart(doneNanos);
            }
            long windows = windowsJudged();
            if (windows % SUMMARY_WINDOWS == 0 && LOG.isDebugEnabled()) {
                LOG.debug("model {}: windows so far {}: {} at the tuned delay, {} probes up, {} probes down ({} %), {} "
                        + "cuts, {} load changes; pauses: {} windows, {} probes not judged; {} settlings; now {} µs",
                        model, windows, windowsAtDelay, probeWindows[UP], probeWindows[DOWN],
                        Math.round(100.0 * (probeWindows[UP] + probeWindows[DOWN]) / windows), cuts, loadChanges,
                        excusedWindows, excusedProbes, settlings, delayNanos / 1000);
            }
        }
    }

    private long headroom() {
        return targetNanos / 100 * HEADROOM_PERCENT;
    }

    /**
     * Whether a window under {@code delayNanos} whose p99 is {@code p99Nanos} met a pause: a delay adds at most itself
     * to a request's wait, so a p99 past the target by more than that (and a margin) is a pause of the machine or the
     * clients, and the window's mean says more of the pause than of the delay.
     */
    private boolean paused(long p99Nanos, long delayNanos) {
        return p99Nanos - targetNanos > delayNanos + targetNanos / 100 * PAUSE_MARGIN_PERCENT;
    }

    /**
     * The drift's variance: the median of the recent pairs' half squared differences over that of a chi-square of
     * one degree of freedom ({@value #CHI_SQUARE_MEDIAN}), so that one pair far apart (a turn's first window, slowed
     * by a client starting up, within the target and no pause) does not weigh on the evidence for the next dozen
     * windows as it did in a running mean; 0 (each window's own standard error alone) until there are
     * {@value #DRIFT_MIN_PAIRS}.
     */
    private double drift() {
        int n = (int) Math.min(driftCount, DRIFT_PAIRS);
        if (n < DRIFT_MIN_PAIRS) {
            return 0;
        }
        double[] sorted = Arrays.copyOf(driftPairs, n);
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return median / CHI_SQUARE_MEDIAN;
    }

    /** Whether, at {@code nowNanos}, the current delay's pooled p99 has been over the target for 10 s or more. */
    private boolean lasting(long nowNanos) {
        return overSinceNanos >= 0 && nowNanos - overSinceNanos >= LASTING_NANOS;
    }

    /** A window at the current delay closed at {@code doneNanos}. */
    private void current(double mean, double error, long doneNanos) {
        pool.add(window);
        long pooledP99 = pool.p99();
        long excess = pooledP99 - targetNanos;
        if (excess <= 0) {
            overSinceNanos = -1;
        } else if (overSinceNanos < 0) {
            overSinceNanos = doneNanos;
        }
        // the delay adds at most itself to a request's wait: an excess larger than it is a pause of the machine or
        // the clients, which a shorter delay would not end and which would leave the delay short once it is over;
        // unless it lasts (then no delay meets the target at this load, and the shortest tail is what is left)
        boolean lasting = lasting(doneNanos);
        // a window that met a pause tells of the pause: it judges no probe and is no sign of a load change (at 4
        // outstanding the first windows of a client's turn, its JVM starting on the same cores, had means 10-50 %
        // over the rest and p99s of 13-47 ms with a 10 ms target, and shrank the step before a round was judged)
        boolean excused = !lasting && paused(window.p99(), delayNanos);
        // after a load change the pool keeps the old load's windows: a lasting heavier tail passes the target on the
        // pooled p99 as well (its own share of the pool is its top 4 %), a passing one (a client reconnecting) less
        double awayBy = Math.max(recentMean * LOAD_CHANGE_PERCENT / 100, LOAD_CHANGE_SD * Math.sqrt(driftVariance));
        int away = excused || recentMean <= 0 || Math.abs(mean - recentMean) <= awayBy ? 0
                : mean > recentMean ? 1 : -1;
        // a load change is windows in a row away the same way for a second: one or two alone are a burst (a client
        // reconnecting, pausing or changing phase); a pause in between neither ends nor extends the run
        if (excused) {
            excusedWindows++;
        } else if (away != 0 && away != lastAway) {
            awaySinceNanos = doneNanos;
        }
        boolean loadChanged = away != 0 && away == lastAway && doneNanos - awaySinceNanos >= LOAD_CHANGE_NANOS;
        if (!excused) {
            lastAway = loadChanged ? 0 : away;
        }
        if (delayNanos > 0 && pool.size() >= 2 && excess > 0 && (excess <= delayNanos || lasting)) {
            // halved, not cut by the excess: in a closed loop a shorter delay need not shorten the tail (at low load
            // it lengthens it), and a burst of contention (a client starting up) passes the target whatever the
            // delay; a lasting excess halves it again every other window
            long cut = delayNanos / 2;
            cuts++;
            String judged = pool.size() + " windows pooled" + (excess > delayNanos
                    ? ", over by more than the delay for " + (doneNanos - overSinceNanos) / 1_000_000 + " ms" : "");
            pool.clear();
            // a new search from the cut: with the step it had, a search narrowed onto the old delay would only
            // probe next to the new one
            stepNanos = maxStepNanos;
            quietRounds = 0;
            moveTo(cut < minStepNanos ? 0 : cut, -1, 0);
            previousMove = 0;
            lastCurrentDelay = -1;
            if (LOG.isDebugEnabled()) {
                LOG.debug("model {}: p99 {} µs over the target {} µs ({}); queue delay cut to {} µs", model,
                        pooledP99 / 1000, targetNanos / 1000, judged, delayNanos / 1000);
            }
            return;
        }
        if (loadChanged) {
            stepNanos = maxStepNanos;
            quietRounds = 0;
            previousMove = 0;
            rest = 0;
            restart();
            loadChanges++;
            if (LOG.isDebugEnabled()) {
                LOG.debug("model {}: load changed (mean {} µs, recently {} µs); the search starts again at {} µs", model,
                        Math.round(mean / 1000), Math.round(recentMean / 1000), delayNanos / 1000);
            }
            recentMean = mean;
        } else if (away == 0 && !excused) {
            recentMean = recentMean == 0 ? mean : recentMean * 0.75 + mean * 0.25;
            if (lastCurrentDelay == delayNanos) {
                double difference = mean - lastCurrentMean;
                driftPairs[(int) (driftCount++ % DRIFT_PAIRS)] = difference * difference / 2;
                driftVariance = drift();
            }
        }
        if (!excused) {
            lastCurrentMean = mean;
            lastCurrentDelay = delayNanos;
        }
        currentP99 = pooledP99;
        if (pendingDirection >= 0) {
            // this window closes the one around the probe: the probe is judged against the mean of both, unless one
            // of the three met a pause
            int judged = pendingDirection;
            if (excused || beforePaused || pendingPaused) {
                pendingDirection = -1;
                excusedThisRound++;
                excusedProbes++;
            } else {
                judge(mean, error);
            }
            if (judged == UP && probeDown()) {
                beforeMean = mean;
                beforeError = error;
                beforePaused = excused;
                return;
            }
            if (endRound()) {
                return; // this window was of the old delay: the next round starts from one of the new
            }
        }
        if (rest > 0) {
            rest--;
            return;
        }
        if (delayNanos > 0 && pooledP99 > targetNanos) {
            return; // one window over the target: the next one at this delay confirms a cut, or does not
        }
        beforeMean = mean;
        beforeError = error;
        beforePaused = excused;
        // a probe is a small change next to what requests already take, whatever the target allows
        long step = Math.max(minStepNanos, (long) (mean / STEP_SHARE_OF_MEAN));
        // (by more than an eighth: the mean wanders from window to window, and a step that followed it by a few
        // microseconds would restart the evidence and the count of rounds at this step every round)
        if (step < stepNanos - stepNanos / 8) {
            stepNanos = step;
            int rounds = roundsAtStep;
            restart(); // the evidence and the probe windows were of the longer step
            roundsAtStep = rounds;
        }
        floorNanos = Math.min(stepNanos, Math.max(minStepNanos, (long) (mean / FLOOR_SHARE_OF_MEAN)));
        bestDirection = -1;
        allWorse = true;
        probesThisRound = 0;
        excusedThisRound = 0;
        building = false;
        if (!probeUp() && !probeDown()) {
            endRound();
        }
    }

    /** A probe window closed: it is judged once the window after it, at the current delay, closes too. */
    private void probed(double mean, double error, long doneNanos) {
        pendingDirection = phase;
        pendingMean = mean;
        pendingError = error;
        pendingNanos = probeNanos;
        // a window whose p99 passes the target by more than the probe's delay met a pause, not the probe's doing (as
        // with a cut): the round is not judged, and its tail does not bar the probe later (at 4 outstanding probes
        // that opened a client's turn had p99s of 12-21 ms with a 10 ms target and were never taken); unless the
        // current delay's excess has lasted, when no window is a pause
        pendingPaused = paused(window.p99(), probeNanos) && !lasting(doneNanos);
        if (!pendingPaused) {
            probePools[phase].add(window);
        }
        phase = CURRENT;
    }

    /**
     * Judges the pending probe against the windows at the current delay either side of it: a drift of the machine
     * or the load that is steady over the three windows cancels out of the difference.
     */
    private void judge(double afterMean, double afterError) {
        int direction = pendingDirection;
        pendingDirection = -1;
        double difference = (beforeMean + afterMean) / 2 - pendingMean;
        // evidence for the probe only (a one-sided cumulative sum): once its sum falls to 0 it starts again, so a
        // window that met a pause does not hold back the rounds after it, and a delay that is worse for long builds
        // no debt that a later better stretch must first repay
        if (evidence[direction] + difference <= 0) {
            evidence[direction] = 0;
            variance[direction] = 0;
            probePools[direction].clear(); // its tail, too, is judged on the windows since the evidence started
        } else {
            evidence[direction] += difference;
            variance[direction] += (Math.max(beforeError * beforeError, driftVariance)
                    + Math.max(afterError * afterError, driftVariance)) / 4
                    + Math.max(pendingError * pendingError, driftVariance);
        }
        allWorse &= difference < 0;
        probesThisRound++;
        double z = variance[direction] > 0 ? evidence[direction] / Math.sqrt(variance[direction]) : 0;
        long p99 = probePools[direction].size() > 0 ? probePools[direction].p99() : Long.MAX_VALUE;
        boolean withinTarget = p99 <= targetNanos
                && (direction == DOWN || p99 <= headroom() || p99 <= currentP99);
        // a gain the tail bars from being taken keeps no step: a shorter one may find the delay that is within
        building |= z >= BUILDING_Z && withinTarget;
        if (withinTarget && difference > 0 && z > Z && (bestDirection < 0 || z > bestZ)) {
            bestDirection = direction;
            bestZ = z;
            bestNanos = pendingNanos;
            bestMean = pendingMean;
        }
    }

    private boolean probeUp() {
        long up = Math.min(boundNanos, delayNanos + stepNanos);
        if (up <= delayNanos) {
            return false;
        }
        phase = UP;
        probeNanos = up;
        return true;
    }

    private boolean probeDown() {
        if (delayNanos == 0) {
            return false;
        }
        long down = delayNanos - stepNanos;
        phase = DOWN;
        probeNanos = down < minStepNanos ? 0 : down;
        return true;
    }

    /** @return whether the delay moved */
    private boolean endRound() {
        phase = CURRENT;
        if (bestDirection >= 0) {
            int move = bestDirection == UP ? 1 : -1;
            // the probe's windows are the first of the new delay's pool
            TailPool taken = probePools[bestDirection];
            probePools[bestDirection] = pool;
            pool = taken;
            moveTo(bestNanos, move, bestMean);
            if (LOG.isDebugEnabled()) {
                LOG.debug("model {}: queue delay {} µs (mean {} µs, {} standard errors below the last delay's; target "
                        + "p99 {} µs)", model, delayNanos / 1000, Math.round(bestMean / 1000),
                        Math.round(bestZ * 10) / 10.0, targetNanos / 1000);
            }
            return true;
        }
        lastMove = 0;
        quietRounds = Math.min(quietRounds + 1, 64);
        // probes cost what the delays either side lose: once rounds keep finding nothing better, fewer of them
        rest = quietRounds <= QUIET_ROUNDS ? 0 : Math.min(MAX_REST, 1 << Math.min(30, quietRounds - QUIET_ROUNDS));
        if (probesThisRound == 0 && excusedThisRound > 0) {
            // every probe of the round met a pause: it rests like a quiet round (a pause that goes on is no time to
            // probe), but judged nothing, so it does not count against the step
            return false;
        }
        roundsAtStep++;
        // a gain of a few per cent at a few outstanding takes more than 3 rounds to pass the evidence rule: the step
        // (and the evidence with it) is kept while a direction leads by a standard error, up to 3x as many rounds
        boolean keep = building && roundsAtStep < 3 * ROUNDS_PER_STEP;
        // both sides worse brackets the best delay; one probe (at delay 0) worse in one round is one noisy window
        boolean bracketed = allWorse && probesThisRound == 2;
        if (stepNanos > floorNanos && (bracketed || roundsAtStep >= ROUNDS_PER_STEP && !keep)) {
            stepNanos = Math.max(floorNanos, stepNanos / 2);
            restart();
        } else if (stepNanos <= floorNanos && roundsAtStep >= 2 * ROUNDS_PER_STEP) {
            // nothing found next to the delay for long: look further again (the rests stay long), in case a narrow
            // search settled on a flat stretch short of the best delay, or the load moved it
            stepNanos = maxStepNanos;
            restart();
        }
        return false;
    }

    /** Moves the tuned delay; the step doubles when the move goes the same way as the last. */
    private void moveTo(long nanos, int move, double mean) {
        if (move == lastMove) {
            stepNanos = Math.min(maxStepNanos, stepNanos * 2);
        }
        lastMove = move;
        // a real slope moves the delay round after round the same way, which soon ends the rests; a single move on
        // a flat optimum (noise past the evidence rule) only shortens them, and one back the way the last came
        // (to and fro about a flat optimum) leaves them as they are
        if (move != -previousMove) {
            quietRounds /= 2;
        }
        previousMove = move;
        rest = 0;
        delayNanos = nanos;
        recentMean = mean;
        lastAway = 0;
        restart();
    }

    /** Forgets the evidence and the probe windows: the delay, the step or the load changed. */
    private void restart() {
        probePools[UP].clear();
        probePools[DOWN].clear();
        evidence[UP] = evidence[DOWN] = 0;
        variance[UP] = variance[DOWN] = 0;
        roundsAtStep = 0;
        pendingDirection = -1;
    }
}
