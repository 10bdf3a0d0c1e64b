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
 * @param batcherNanos  the dynamic batcher's thread, after every run of ring events
 * @param instanceNanos each instance thread, after every batch
 */
public record SpinPolicy(long batcherNanos, long instanceNanos) {

    /** Park at once everywhere. */
    public static final SpinPolicy NONE = new SpinPolicy(0, 0);

    /** What {@link DefaultSchedulerFactory} uses: 50 µs on the instance threads, none on the batcher. */
    public static final SpinPolicy DEFAULT = new SpinPolicy(0, 50_000);

    public SpinPolicy {
        if (batcherNanos < 0 || instanceNanos < 0) {
            throw new IllegalArgumentException("spin: " + batcherNanos + " ns, " + instanceNanos
                    + " ns (expected: >= 0)");
        }
    }
}
