package io.tensorline.batch;

import io.tensorline.server.cli.Flags;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of {@code tensorline batch}, parsed once.
 *
 * @param url        a remote server ({@code host:port} for gRPC, {@code http://host:port} for REST), or null to run
 *                   the model on an embedded server over {@code repository}
 * @param batchSize  rows per request; 0 means the model's {@code max_batch_size}
 * @param inFlight   requests outstanding at once
 * @param chunkRows  rows per chunk, the unit a resumed run skips
 * @param skipBadRows bad rows go to the errors file (true) or stop the run (false)
 */
record BatchOptions(String model, String version, Path input, Path output, Path errors, Path repository, String url,
                    String protocol, int batchSize, int inFlight, int chunkRows, boolean skipBadRows,
                    boolean restart, Map<String, List<String>> map, Progress.Mode progress, long progressMillis) {

    static Flags flags(Path defaultRepository) {
        return new Flags()
                .declare("model", "NAME", "", "the model to run (-m)")
                .declare("model-version", "N", "", "its version (default: the model's version policy)")
                .declare("input", "FILE", "", "rows to score: .jsonl/.ndjson, .csv (with a header) or .npy")
                .declare("output", "FILE", "", "where results go, in input order: .jsonl/.ndjson, .csv or .npy (one output)")
                .declare("errors", "FILE", "", "bad rows, one JSON line each (default: OUTPUT.errors.jsonl)")
                .declare("model-repository", "PATH", defaultRepository.toString(),
                        "the repository of the embedded server (when no --url is given)")
                .declare("url", "URL", "", "score on a running server instead (-u): host:port (gRPC) or http://host:port")
                .declare("protocol", "grpc|http", "grpc", "protocol of --url (-i)")
                .declare("batch-size", "ROWS", "0", "rows per request (0: the model's max_batch_size)")
                .declare("in-flight", "N", "8", "requests outstanding at once (on the embedded server: bulks of about 1024 rows)")
                .declare("chunk-rows", "ROWS", "10000", "rows per chunk; a resumed run skips finished chunks")
                .declare("on-error", "stop|skip", "stop", "a bad row stops the run, or is skipped to --errors")
                .declareBool("restart", false, "discard finished chunks of an earlier run instead of resuming")
                .declareRepeatable("map", "INPUT=COLUMN[,COLUMN..]", "read an input from other column(s)")
                .declare("progress", "auto|bar|lines|none", "auto", "progress display (auto: a bar on a terminal)")
                .declare("progress-interval-secs", "SECS", "10", "seconds between progress lines when not a bar")
                .declareBool("help", false, "print this help and exit");
    }

    /** Short forms of Triton's clients: -m, -u, -i; {@code -x v} and {@code -xv}. */
    static String[] expandShortFlags(String[] args) {
        Map<String, String> names = Map.of("-m", "--model", "-u", "--url", "-i", "--protocol", "-x", "--model-version");
        String[] out = Arrays.copyOf(args, args.length);
        for (int i = 0; i < out.length; i++) {
            String a = out[i];
            if (a.length() >= 2 && names.containsKey(a.substring(0, 2)) && !a.startsWith("--")) {
                out[i] = a.length() == 2 ? names.get(a) : names.get(a.substring(0, 2)) + "=" + a.substring(2);
            }
        }
        return out;
    }

    static BatchOptions from(Flags f) throws Flags.UsageException {
        String model = required(f, "model");
        Path input = Path.of(required(f, "input"));
        Path output = Path.of(required(f, "output"));
        if (!Files.isRegularFile(input)) {
            throw new Flags.UsageException("--input " + input + " is not a file");
        }
        String url = f.get("url").isEmpty() ? null : f.get("url");
        String protocol = f.get("protocol");
        if (!protocol.equals("grpc") && !protocol.equals("http")) {
            throw new Flags.UsageException("--protocol=" + protocol + " (expected: grpc or http)");
        }
        Path repository = Path.of(f.get("model-repository"));
        if (url == null && !Files.isDirectory(repository)) {
            throw new Flags.UsageException("--model-repository=" + repository
                    + " is not a directory (expected: a model repository root, or --url for a running server)");
        }
        String onError = f.get("on-error");
        if (!onError.equals("stop") && !onError.equals("skip")) {
            throw new Flags.UsageException("--on-error=" + onError + " (expected: stop or skip)");
        }
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (String m : f.getAll("map")) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new Flags.UsageException("--map " + m + " (expected: INPUT=COLUMN or INPUT=COL1,COL2,..)");
            }
            map.put(m.substring(0, eq), List.of(m.substring(eq + 1).split(",")));
        }
        Progress.Mode progress = switch (f.get("progress")) {
            case "auto" -> System.console() != null ? Progress.Mode.BAR : Progress.Mode.LINES;
            case "bar" -> Progress.Mode.BAR;
            case "lines" -> Progress.Mode.LINES;
            case "none" -> Progress.Mode.NONE;
            default -> throw new Flags.UsageException("--progress=" + f.get("progress")
                    + " (expected: auto, bar, lines or none)");
        };
        Path errors = f.get("errors").isEmpty() ? output.resolveSibling(output.getFileName() + ".errors.jsonl")
                : Path.of(f.get("errors"));
        return new BatchOptions(model, f.get("model-version"), input, output, errors, repository, url, protocol,
                f.getInt("batch-size", 0, Integer.MAX_VALUE), f.getInt("in-flight", 1, 4096),
                f.getInt("chunk-rows", 1, Integer.MAX_VALUE), onError.equals("skip"), f.getBool("restart"), map,
                progress, 1000L * f.getInt("progress-interval-secs", 1, 86_400));
    }

    private static String required(Flags f, String name) throws Flags.UsageException {
        String v = f.get(name);
        if (v.isEmpty()) {
            throw new Flags.UsageException("--" + name + " is required (see --help)");
        }
        return v;
    }
}
