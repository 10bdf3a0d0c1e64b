package io.tensorline.perf.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Parses perf_analyzer's flags: short ones as {@code -m NAME} or {@code -mNAME}, long ones as {@code --name VALUE}
 * or {@code --name=VALUE}. Every bad value fails with a message that names the flag and what was expected.
 */
public final class PerfFlags {

    private record Spec(String key, boolean takesValue, boolean repeatable) {
    }

    private static final Map<String, Spec> BY_NAME = new HashMap<>();

    static {
        flag("model", true, false, "-m");
        flag("version", true, false, "-x");
        flag("url", true, false, "-u");
        flag("protocol", true, false, "-i");
        flag("batch", true, false, "-b");
        flag("concurrency-range", true, false, "--concurrency-range");
        flag("request-rate-range", true, false, "--request-rate-range");
        flag("request-distribution", true, false, "--request-distribution");
        flag("measurement-interval", true, false, "--measurement-interval", "-p");
        flag("measurement-mode", true, false, "--measurement-mode");
        flag("measurement-request-count", true, false, "--measurement-request-count");
        flag("stability-percentage", true, false, "--stability-percentage", "-s");
        flag("max-trials", true, false, "--max-trials", "-r");
        flag("percentile", true, false, "--percentile");
        flag("warmup-request-count", true, false, "--warmup-request-count");
        flag("input-data", true, false, "--input-data");
        flag("shape", true, true, "--shape");
        flag("string-length", true, false, "--string-length");
        flag("csv", true, false, "-f");
        flag("report", true, false, "--report");
        flag("async", false, false, "--async", "-a");
        flag("sync", false, false, "--sync");
        flag("http-binary", true, false, "--http-binary");
        flag("http-max-connections", true, false, "--http-max-connections");
        flag("help", false, false, "--help", "-h");
    }

    private static void flag(String key, boolean takesValue, boolean repeatable, String... names) {
        Spec spec = new Spec(key, takesValue, repeatable);
        for (String name : names) {
            BY_NAME.put(name, spec);
        }
    }

    private PerfFlags() {
    }

    /** True when {@code -h} or {@code --help} appears anywhere, so help wins over other mistakes. */
    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    public static PerfOptions parse(String[] args) throws UsageException {
        Map<String, List<String>> values = collect(args);
        String model = single(values, "model", null);
        if (model == null || model.isBlank()) {
            throw new UsageException("-m MODEL is required (the model to profile)");
        }
        Protocol protocol = Protocol.parse(single(values, "protocol", "grpc"));
        String url = single(values, "url", protocol.defaultUrl());
        int colon = url.lastIndexOf(':');
        if (url.contains("://") || colon <= 0 || colon == url.length() - 1) {
            throw new UsageException("-u " + url + " (expected: HOST:PORT, e.g. " + protocol.defaultUrl() + ")");
        }
        String host = url.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = intValue("-u", url.substring(colon + 1), 1, 65_535);

        String concurrency = single(values, "concurrency-range", null);
        String rate = single(values, "request-rate-range", null);
        if (concurrency != null && rate != null) {
            throw new UsageException("--concurrency-range and --request-rate-range were both given (expected: one)");
        }
        List<LoadLevel> levels = rate != null
                ? Ranges.requestRate("--request-rate-range", rate)
                : Ranges.concurrency("--concurrency-range", concurrency == null ? "1:1:1" : concurrency);
        String distribution = single(values, "request-distribution", null);
        if (distribution != null && rate == null) {
            throw new UsageException("--request-distribution applies to --request-rate-range only"
                    + " (expected: --request-rate-range START:END:STEP as well)");
        }

        boolean async = values.containsKey("async");
        boolean sync = values.containsKey("sync");
        if (async && sync) {
            throw new UsageException("--async and --sync were both given (expected: one)");
        }
        if (sync && rate != null) {
            throw new UsageException("--sync applies to --concurrency-range only (request-rate mode is always async)");
        }

        String measurementMode = single(values, "measurement-mode", "time_windows");
        if (!measurementMode.equals("time_windows") && !measurementMode.equals("count_windows")) {
            throw new UsageException("--measurement-mode " + measurementMode + " (expected: time_windows or count_windows)");
        }
        int requestCount = intValue("--measurement-request-count", single(values, "measurement-request-count", "50"),
                1, Integer.MAX_VALUE);

        int percentile = intValue("--percentile", single(values, "percentile", "-1"), -1, 99);
        if (percentile == 0) {
            throw new UsageException("--percentile 0 (expected: 1 to 99)");
        }
        return new PerfOptions(
                model,
                single(values, "version", ""),
                host,
                port,
                protocol,
                intValue("-b", single(values, "batch", "1"), 1, Integer.MAX_VALUE),
                levels,
                Distribution.parse(distribution == null ? "constant" : distribution),
                intValue("--measurement-interval", single(values, "measurement-interval", "5000"), 1, Integer.MAX_VALUE),
                measurementMode.equals("count_windows") ? requestCount : 0,
                doubleValue("--stability-percentage", single(values, "stability-percentage", "10")),
                intValue("--max-trials", single(values, "max-trials", "10"), 1, 1_000_000),
                intValue("--warmup-request-count", single(values, "warmup-request-count", "0"), 0, Integer.MAX_VALUE),
                percentile < 0 ? OptionalInt.empty() : OptionalInt.of(percentile),
                InputDataSpec.parse(single(values, "input-data", "random")),
                shapes(values.getOrDefault("shape", List.of())),
                intValue("--string-length", single(values, "string-length", "128"), 1, 1 << 20),
                Optional.ofNullable(single(values, "csv", null)).map(Path::of),
                Optional.ofNullable(single(values, "report", null)).map(Path::of),
                !sync,
                boolValue("--http-binary", single(values, "http-binary", "true")),
                intValue("--http-max-connections", single(values, "http-max-connections", "64"), 1, 100_000));
    }

    private static Map<String, List<String>> collect(String[] args) throws UsageException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String value = null;
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                name = eq < 0 ? arg : arg.substring(0, eq);
                value = eq < 0 ? null : arg.substring(eq + 1);
            } else if (arg.startsWith("-") && arg.length() >= 2) {
                name = arg.substring(0, 2);
                value = arg.length() > 2 ? arg.substring(2) : null;
            } else {
                throw new UsageException("unexpected argument '" + arg + "' (expected: a flag; see --help)");
            }
            Spec spec = BY_NAME.get(name);
            if (spec == null) {
                throw new UsageException("unknown flag " + name + " (see --help)");
            }
            if (!spec.takesValue()) {
                if (value != null) {
                    throw new UsageException(name + " takes no value (got '" + value + "')");
                }
                value = "true";
            } else if (value == null) {
                if (spec.key().equals("http-binary") && (i + 1 == args.length || args[i + 1].startsWith("-"))) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(name + " needs a value (see --help)");
                }
            }
            List<String> list = values.computeIfAbsent(spec.key(), k -> new ArrayList<>());
            if (!spec.repeatable()) {
                list.clear();
            }
            list.add(value);
        }
        return values;
    }

    private static String single(Map<String, List<String>> values, String key, String fallback) {
        List<String> list = values.get(key);
        return list == null ? fallback : list.get(list.size() - 1);
    }

    static Map<String, long[]> shapes(List<String> specs) throws UsageException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String spec : specs) {
            int colon = spec.lastIndexOf(':');
            if (colon <= 0 || colon == spec.length() - 1) {
                throw new UsageException("--shape " + spec + " (expected: NAME:D1,D2,..., e.g. INPUT0:3,224,224)");
            }
            String name = spec.substring(0, colon);
            String[] parts = spec.substring(colon + 1).split(",", -1);
            long[] dims = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                dims[i] = intValue("--shape " + spec, parts[i].trim(), 1, Integer.MAX_VALUE);
            }
            if (shapes.put(name, dims) != null) {
                throw new UsageException("--shape was given twice for input '" + name + "' (expected: once per input)");
            }
        }
        return shapes;
    }

    private static int intValue(String flag, String text, int min, int max) throws UsageException {
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + text + " is not a whole number (expected: " + min + " to " + max + ")");
        }
        if (v < min || v > max) {
            throw new UsageException(flag + " " + text + " (expected: " + min + " to " + max + ")");
        }
        return (int) v;
    }

    private static double doubleValue(String flag, String text) throws UsageException {
        try {
            double v = Double.parseDouble(text.trim());
            if (v > 0 && !Double.isInfinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new UsageException(flag + " " + text + " (expected: a number > 0, in percent)");
    }

    private static boolean boolValue(String flag, String text) throws UsageException {
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException(flag + " " + text + " (expected: true or false)");
        };
    }

    public static String help() {
        return """
                Usage: tensorline perf -m MODEL [flags]
                A load generator with perf_analyzer's flags for any KServe v2 / Triton server (gRPC or REST).

                Target
                  -m MODEL                      model to profile (required)
                  -x VERSION                    model version (default: the server's choice)
                  -u HOST:PORT                  server address (default: localhost:8001 for grpc, localhost:8000 for http)
                  -i grpc|http                  protocol (default: grpc; perf_analyzer's default is http)
                  --http-binary true|false      http only: binary tensor extension instead of JSON data (default: true)
                  --http-max-connections N      http only, request-rate mode: connections to hold (default: 64);
                                                concurrency mode uses one per outstanding request

                Load
                  -b BATCH                      batch size of every request (default: 1)
                  --concurrency-range S:E:ST    requests outstanding, S, S+ST, ... up to E (default: 1:1:1)
                  --request-rate-range S:E:ST   requests per second instead of a concurrency
                  --request-distribution D      constant or poisson spacing of request-rate sends (default: constant)
                  --async | -a                  async requests, no thread per request (default)
                  --sync                        one blocking thread per concurrency slot

                Input data (shapes and datatypes come from the model's metadata and config)
                  --input-data random|zero|FILE.json
                                                FILE.json: {"data":[{"INPUT0":[...]}, ...]}, values flat, or
                                                {"content":[...],"shape":[...]} (default: random)
                  --shape NAME:D1,D2,...        dimensions for an input with variable (-1) dimensions, without the
                                                batch dimension; repeatable
                  --string-length N             length of generated BYTES elements (default: 128)

                Measurement
                  --measurement-interval | -p MS   window length in ms (default: 5000)
                  --measurement-mode time_windows|count_windows
                                                count_windows: a window lasts until it has completed
                                                --measurement-request-count requests (default: 50)
                  --stability-percentage | -s PCT  the last 3 windows must agree within PCT for throughput and
                                                   latency (default: 10)
                  --max-trials | -r N           windows per load level before giving up on stability (default: 10)
                  --percentile N                use the pN latency for stability instead of the average
                  --warmup-request-count N      send N requests at the first load level and discard them before
                                                measuring (default: 0); a few thousand spare the JVM's JIT warm-up
                                                from the first windows

                Output
                  -f FILE.csv                   perf_analyzer's CSV columns (times in usec)
                  --report FILE.html            self-contained HTML page: latency vs throughput plot and the table
                  -h, --help                    this text
                """;
    }
}
