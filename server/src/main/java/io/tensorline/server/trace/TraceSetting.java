package io.tensorline.server.trace;

import io.tensorline.server.core.InferenceException;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The updatable part of a trace setting (global or one model's): levels, rate and count. Immutable.
 *
 * @param levels empty is OFF
 * @param rate   1 in {@code rate} requests is traced; 0 only those with a propagated context
 * @param count  traces left to take; -1 is unlimited
 */
record TraceSetting(Set<TraceLevel> levels, int rate, int count) {

    TraceSetting {
        levels = levels.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(TraceLevel.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(levels));
    }

    boolean off() {
        return levels.isEmpty();
    }

    /** @throws InferenceException INVALID_ARGUMENT {@code Unable to parse 'trace_rate', got: <s>} */
    static int parseRate(String s) {
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw InferenceException.invalid("Unable to parse 'trace_rate', got: %s", s);
    }

    /** @throws InferenceException INVALID_ARGUMENT {@code Unable to parse 'trace_count'. Expecting value >= -1, got:<s>} */
    static int parseCount(String s) {
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= -1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw InferenceException.invalid("Unable to parse 'trace_count'. Expecting value >= -1, got:%s", s);
    }

    /** @throws InferenceException INVALID_ARGUMENT {@code Unable to parse 'log_frequency', got: <s>} */
    static int parseLogFrequency(String s) {
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw InferenceException.invalid("Unable to parse 'log_frequency', got: %s", s);
    }
}
