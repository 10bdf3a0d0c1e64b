package io.tensorline.server.scheduler;

/**
 * How long the scheduler's threads spin for their next piece of work before they park (real time): a spin turns a
 * wake-up of tens of microseconds into well under one, at the price of the CPU it burns.
 *
 * <p>The default spins only on the instance threads, right after they report themselves free: under load their
 * next batch follows within microseconds, and at low load the spin costs 50 µs per execution. The batcher does not
 * spin by default: it takes an event for every request, and at tens of thousands of requests a second a spinning
 * batcher never parks, which takes a whole core from the transport and the completer on a small machine.
 *
 * <p>The same policy says when a hop is skipped altogether: a lone request handed to an idle instance (the direct
 * scheduler's, or the dynamic batcher's direct hand-off) runs on the submitting thread when that instance's recent
 * executions took less than {@code runHereNanos} ({@link InstancePool#runHere}): for a model that fast the hops to
 * the instance thread and back to the transport cost more than the execution.
 *
 * @param batcherNanos  the dynamic batcher's thread, after every run of ring events
 * @param instanceNanos each instance thread, after every batch
 * @param runHereNanos  the recent execution time under which a lone request runs on its submitter's thread; 0: never
 */
public record SpinPolicy(long batcherNanos, long instanceNanos, long runHereNanos) {

    /** Park at once everywhere; every batch runs on its instance thread. */
    public static final SpinPolicy NONE = new SpinPolicy(0, 0);

    /**
     * What {@link DefaultSchedulerFactory} uses: 50 µs on the instance threads, none on the batcher, lone requests
     * run on the submitter for an instance whose executions take under 20 µs.
     */
    public static final SpinPolicy DEFAULT = new SpinPolicy(0, 50_000, 20_000);

    /** Spins only; every batch runs on its instance thread. */
    public SpinPolicy(long batcherNanos, long instanceNanos) {
        this(batcherNanos, instanceNanos, 0);
    }

    public SpinPolicy {
        if (batcherNanos < 0 || instanceNanos < 0 || runHereNanos < 0) {
            throw new IllegalArgumentException("spin: " + batcherNanos + " ns, " + instanceNanos + " ns, run here: "
                    + runHereNanos + " ns (expected: >= 0)");
        }
    }
}
