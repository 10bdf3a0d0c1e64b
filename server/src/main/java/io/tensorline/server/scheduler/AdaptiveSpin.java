package io.tensorline.server.scheduler;

/**
 * Whether a consumer should spin before it parks, learnt from how its last spins went: after
 * {@value #MISSES_BEFORE_PAUSE} spins in a row that found nothing it parks at once, trying a spin again every
 * {@value #PROBE_EVERY} waits; a spin that finds work turns spinning back on. Under load the next piece of work
 * follows within microseconds and every spin finds it; when work arrives less often than the spin lasts (a model
 * faster than the transports feeding it, a client waiting for each answer) each spin would only burn CPU the
 * transport threads need, which on a small machine costs more throughput than the wake-up it saves.
 *
 * <p>Confined to the consumer thread.
 */
final class AdaptiveSpin {

    static final int MISSES_BEFORE_PAUSE = 3;
    static final int PROBE_EVERY = 32;

    private int misses;
    private int waitsSincePause;

    /** Whether the coming wait should spin first. */
    boolean shouldSpin() {
        if (misses < MISSES_BEFORE_PAUSE) {
            return true;
        }
        return ++waitsSincePause % PROBE_EVERY == 0;
    }

    /** How the spin went: {@code found} when work arrived before it ended. */
    void spun(boolean found) {
        if (found) {
            misses = 0;
            waitsSincePause = 0;
        } else if (misses < MISSES_BEFORE_PAUSE) {
            misses++;
        }
    }
}
