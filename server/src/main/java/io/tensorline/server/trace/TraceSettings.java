package io.tensorline.server.trace;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trace extension's settings: one global setting and per-model overrides, with Triton's keys and refusals.
 * A model's setting is the global one with the keys set for that model replacing it, so a model follows later
 * global changes in the keys it did not set, and clearing a key falls back to the global value.
 *
 * <p>Threads: updates come from transport threads and take {@code this}; the request path reads only the volatile
 * {@link #global} sampler, the volatile per-model sampler map and {@link #anyEnabled}, never the lock.
 */
final class TraceSettings {

    static final String LEVEL = "trace_level";
    static final String RATE = "trace_rate";
    static final String COUNT = "trace_count";
    static final String LOG_FREQUENCY = "log_frequency";
    static final String FILE = "trace_file";
    static final String MODE = "trace_mode";

    /** What one scope (global or a model) set; a null field is not set. */
    private record Overrides(Set<TraceLevel> levels, Integer rate, Integer count) {
        TraceSetting over(TraceSetting base) {
            return new TraceSetting(levels == null ? base.levels() : levels, rate == null ? base.rate() : rate,
                    count == null ? base.count() : count);
        }

        boolean empty() {
            return levels == null && rate == null && count == null;
        }
    }

    private final TraceSetting startup;
    private final Map<String, List<String>> exporterKeys;
    // guarded by this
    private Overrides globalOverrides = new Overrides(null, null, null);
    private final Map<String, Overrides> modelOverrides = new HashMap<>();

    private volatile Sampler global;
    private volatile Map<String, Sampler> models = Map.of();
    private volatile boolean anyEnabled;

    TraceSettings(TraceConfig config) {
        this.startup = config.setting();
        this.exporterKeys = config.describeExporter();
        this.global = new Sampler(startup);
        this.anyEnabled = !startup.off();
    }

    /** False when every scope is OFF: the request path's only cost then. */
    boolean anyEnabled() {
        return anyEnabled;
    }

    /** The sampler that decides for a model's requests. */
    Sampler sampler(String model) {
        Sampler s = models.get(model);
        return s == null ? global : s;
    }

    /** The full setting of a model ({@code ""}: the global one) as the API answers it. */
    synchronized Map<String, List<String>> describe(String model) {
        TraceSetting s = effective(model);
        Map<String, List<String>> out = new LinkedHashMap<>();
        out.put(LEVEL, TraceLevel.describe(s.levels()));
        out.put(RATE, List.of(Integer.toString(s.rate())));
        out.put(COUNT, List.of(Integer.toString(s.count())));
        out.put(MODE, List.of("opentelemetry"));
        out.putAll(exporterKeys);
        return out;
    }

    /**
     * Applies an update to a model's setting ({@code ""}: the global one). A null or empty value list clears the
     * key. Every key is checked before anything changes.
     *
     * @throws InferenceException Triton's refusals: UNSUPPORTED for {@code trace_file}, INVALID_ARGUMENT for a
     *         value that does not parse, for OFF with another level, for several values of a single-valued key,
     *         and for a key the extension does not have
     */
    synchronized void update(String model, Map<String, List<String>> changes) {
        Overrides o = model.isEmpty() ? globalOverrides : modelOverrides.getOrDefault(model,
                new Overrides(null, null, null));
        Set<TraceLevel> levels = o.levels();
        Integer rate = o.rate();
        Integer count = o.count();
        for (Map.Entry<String, List<String>> e : changes.entrySet()) {
            List<String> v = e.getValue();
            boolean clear = v == null || v.isEmpty();
            switch (e.getKey()) {
                case LEVEL -> levels = clear ? null : TraceLevel.parseUpdate(v);
                case RATE -> rate = clear ? null : TraceSetting.parseRate(single(RATE, v));
                case COUNT -> count = clear ? null : TraceSetting.parseCount(single(COUNT, v));
                // checked as Triton does; it only matters for Triton's file mode, which this server does not have
                case LOG_FREQUENCY -> {
                    if (!clear) {
                        TraceSetting.parseLogFrequency(single(LOG_FREQUENCY, v));
                    }
                }
                case FILE -> throw new InferenceException(ErrorCode.UNSUPPORTED,
                        "trace file location can not be updated through network protocol");
                default -> throw InferenceException.invalid("unknown trace setting '%s' (expected: %s, %s, %s or %s)",
                        e.getKey(), LEVEL, RATE, COUNT, LOG_FREQUENCY);
            }
        }
        Overrides updated = new Overrides(levels == null ? null : EnumSet.copyOf(levelsOrNone(levels)), rate, count);
        if (model.isEmpty()) {
            globalOverrides = updated;
        } else if (updated.empty()) {
            modelOverrides.remove(model);
        } else {
            modelOverrides.put(model, updated);
        }
        publish();
    }

    private static Set<TraceLevel> levelsOrNone(Set<TraceLevel> levels) {
        return levels.isEmpty() ? EnumSet.noneOf(TraceLevel.class) : levels;
    }

    private static String single(String key, List<String> values) {
        if (values.size() != 1) {
            throw InferenceException.invalid("expect only 1 value for '%s'", key);
        }
        return values.get(0);
    }

    // under this
    private TraceSetting effective(String model) {
        TraceSetting g = globalOverrides.over(startup);
        Overrides o = model.isEmpty() ? null : modelOverrides.get(model);
        return o == null ? g : o.over(g);
    }

    /** New samplers (fresh counts, as an update restarts Triton's) for every scope, then the flag. */
    private void publish() {
        Sampler g = new Sampler(effective(""));
        boolean enabled = !g.setting().off();
        Map<String, Sampler> m = new HashMap<>();
        for (String model : modelOverrides.keySet()) {
            Sampler s = new Sampler(effective(model));
            enabled |= !s.setting().off();
            m.put(model, s);
        }
        global = g;
        models = Map.copyOf(m);
        anyEnabled = enabled;
    }
}
