package io.tensorline.server.stats;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue and compute durations of the composing-model requests one ensemble request ran, which Triton reports
 * as the ensemble's own {@code queue} and {@code compute_*} statistics. The ensemble passes one to each step inside
 * the step request's parameters (under {@link #PARAMETER}, where the transports, which only produce booleans,
 * numbers and strings, cannot put one); the scheduler that runs a step adds the durations it recorded for that
 * request. Steps may run on several instance threads at once, so the sums are atomic.
 */
public final class ComposingTimes {

    /** The request parameter that carries it. */
    public static final String PARAMETER = "tensorline.composing_times";

    private final AtomicLong queue = new AtomicLong();
    private final AtomicLong input = new AtomicLong();
    private final AtomicLong infer = new AtomicLong();
    private final AtomicLong output = new AtomicLong();

    /** The one carried by {@code parameters}, or null. */
    public static ComposingTimes in(Map<String, Object> parameters) {
        return parameters.isEmpty() || !(parameters.get(PARAMETER) instanceof ComposingTimes t) ? null : t;
    }

    /** {@code parameters} with this one added (replacing any carried by an enclosing ensemble). */
    public Map<String, Object> carriedBy(Map<String, Object> parameters) {
        Map<String, Object> out = new HashMap<>(parameters);
        out.put(PARAMETER, this);
        return out;
    }

    /** A step request waited {@code queueNanos} and took these compute durations. */
    public void add(long queueNanos, long inputNanos, long inferNanos, long outputNanos) {
        queue.addAndGet(queueNanos);
        input.addAndGet(inputNanos);
        infer.addAndGet(inferNanos);
        output.addAndGet(outputNanos);
    }

    /** Adds everything this one summed to {@code outer} (an ensemble that is itself a step). */
    public void addTo(ComposingTimes outer) {
        outer.add(queueNanos(), inputNanos(), inferNanos(), outputNanos());
    }

    public long queueNanos() {
        return queue.get();
    }

    public long inputNanos() {
        return input.get();
    }

    public long inferNanos() {
        return infer.get();
    }

    public long outputNanos() {
        return output.get();
    }
}
