package io.tensorline.server.trace;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses Triton's {@code --trace-config [<mode>,]<setting>=<value>} values (repeatable) into a {@link TraceConfig}.
 * Global settings: {@code level} (repeatable, OR'd; any OFF turns tracing off), {@code rate}, {@code count},
 * {@code mode}. OpenTelemetry settings: {@code url}, {@code resource=<key>=<value>} (repeatable),
 * {@code bsp_max_queue_size}, {@code bsp_schedule_delay} (ms), {@code bsp_max_export_batch_size}. Triton's own
 * file mode ({@code mode=triton}, {@code triton,file=...}) is not offered and is refused by name.
 */
public final class TraceConfigParser {

    private TraceConfigParser() {
    }

    /** @throws IllegalArgumentException naming the value and what was expected */
    public static TraceConfig parse(List<String> values) {
        TraceConfig d = TraceConfig.defaults();
        EnumSet<TraceLevel> levels = EnumSet.noneOf(TraceLevel.class);
        boolean off = false;
        int rate = d.rate();
        int count = d.count();
        String url = d.url();
        Map<String, String> resource = new LinkedHashMap<>(d.resource());
        int queue = d.bspMaxQueueSize();
        long delay = d.bspScheduleDelayMillis();
        int batch = d.bspMaxExportBatchSize();
        for (String raw : values) {
            int eq = raw.indexOf('=');
            int comma = raw.indexOf(',');
            if (eq <= 0) {
                throw bad(raw, "expected: [<mode>,]<setting>=<value>, e.g. level=TIMESTAMPS or "
                        + "opentelemetry,url=http://localhost:4318/v1/traces");
            }
            String mode = comma >= 0 && comma < eq ? raw.substring(0, comma) : "";
            String key = raw.substring(mode.isEmpty() ? 0 : comma + 1, eq);
            String value = raw.substring(eq + 1);
            if (mode.isEmpty()) {
                switch (key) {
                    case "level" -> {
                        TraceLevel l = level(raw, value);
                        if (l == null) {
                            off = true;
                        } else {
                            levels.add(l);
                        }
                    }
                    case "rate" -> rate = (int) number(raw, value, 0);
                    case "count" -> count = (int) number(raw, value, -1);
                    case "mode" -> {
                        if (!value.equals("opentelemetry")) {
                            throw bad(raw, "this server traces in mode opentelemetry only (Triton's file mode "
                                    + "'triton' is not offered)");
                        }
                    }
                    default -> throw bad(raw, "expected a global setting level, rate, count or mode, or "
                            + "opentelemetry,<setting>=<value>");
                }
            } else if (mode.equals("opentelemetry")) {
                switch (key) {
                    case "url" -> url = url(raw, value);
                    case "resource" -> {
                        int kv = value.indexOf('=');
                        if (kv <= 0) {
                            throw bad(raw, "expected: opentelemetry,resource=<key>=<value>");
                        }
                        resource.put(value.substring(0, kv), value.substring(kv + 1));
                    }
                    case "bsp_max_queue_size" -> queue = (int) number(raw, value, 1);
                    case "bsp_schedule_delay" -> delay = number(raw, value, 0);
                    case "bsp_max_export_batch_size" -> batch = (int) number(raw, value, 1);
                    default -> throw bad(raw, "expected an OpenTelemetry setting url, resource, bsp_max_queue_size, "
                            + "bsp_schedule_delay or bsp_max_export_batch_size");
                }
            } else if (mode.equals("triton")) {
                throw bad(raw, "this server traces in mode opentelemetry only (Triton's file mode 'triton' is "
                        + "not offered)");
            } else {
                throw bad(raw, "expected the mode triton or opentelemetry before the comma");
            }
        }
        return new TraceConfig(off ? EnumSet.noneOf(TraceLevel.class) : levels, rate, count, url, resource, queue,
                delay, batch);
    }

    private static String url(String raw, String value) {
        try {
            java.net.URI u = new java.net.URI(value);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return value;
            }
        } catch (java.net.URISyntaxException e) {
            // answered below
        }
        throw bad(raw, "expected an http:// or https:// URL of an OTLP/HTTP endpoint, e.g. "
                + TraceConfig.DEFAULT_URL);
    }

    private static TraceLevel level(String raw, String value) {
        try {
            return TraceLevel.parse(value);
        } catch (RuntimeException e) {
            throw bad(raw, "expected the level OFF, TIMESTAMPS or TENSORS");
        }
    }

    private static long number(String raw, String value, long min) {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw bad(raw, "expected an integer >= " + min);
    }

    private static IllegalArgumentException bad(String raw, String expected) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "invalid --trace-config '%s' (%s)", raw,
                expected));
    }
}
