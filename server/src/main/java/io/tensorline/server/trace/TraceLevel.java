package io.tensorline.server.trace;

import io.tensorline.server.core.InferenceException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Triton's trace levels. A setting holds a set of them; the empty set is {@code OFF}. In OpenTelemetry mode both
 * levels record the same spans (Triton records no tensors there either).
 */
public enum TraceLevel {
    TIMESTAMPS,
    TENSORS;

    /**
     * Parses one value as Triton does: {@code false|off} (null here), {@code true|on|min|max|timestamps},
     * {@code tensors}, case-insensitive.
     *
     * @throws InferenceException INVALID_ARGUMENT for anything else
     */
    static TraceLevel parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "false", "off" -> null;
            case "true", "on", "min", "max", "timestamps" -> TIMESTAMPS;
            case "tensors" -> TENSORS;
            default -> throw InferenceException.invalid("Unable to parse 'trace_level', got: %s (expected: OFF, "
                    + "TIMESTAMPS or TENSORS)", s);
        };
    }

    /**
     * The set several values name: an API update, where {@code OFF} must stand alone.
     *
     * @throws InferenceException INVALID_ARGUMENT {@code Expect only one trace level 'OFF' is specified}
     */
    static Set<TraceLevel> parseUpdate(Collection<String> values) {
        EnumSet<TraceLevel> levels = EnumSet.noneOf(TraceLevel.class);
        boolean off = false;
        for (String v : values) {
            TraceLevel l = parse(v);
            if (l == null) {
                off = true;
            } else {
                levels.add(l);
            }
        }
        if (off && (values.size() > 1)) {
            throw InferenceException.invalid("Expect only one trace level 'OFF' is specified");
        }
        return levels;
    }

    /** The wire form: {@code ["OFF"]} for the empty set. */
    static List<String> describe(Set<TraceLevel> levels) {
        if (levels.isEmpty()) {
            return List.of("OFF");
        }
        List<String> out = new ArrayList<>(levels.size());
        levels.forEach(l -> out.add(l.name()));
        return out;
    }
}
