package io.tensorline.perf;

import io.tensorline.perf.cli.LoadLevel;
import io.tensorline.perf.cli.LoadMode;
import io.tensorline.perf.cli.PerfOptions;
import io.tensorline.perf.cli.Protocol;
import io.tensorline.perf.input.InputSet;
import io.tensorline.perf.input.InputSets;
import io.tensorline.perf.load.ConcurrencyLoad;
import io.tensorline.perf.load.IntervalSchedule;
import io.tensorline.perf.load.LoadGenerator;
import io.tensorline.perf.load.RequestCycle;
import io.tensorline.perf.load.RequestRateLoad;
import io.tensorline.perf.load.SyncConcurrencyLoad;
import io.tensorline.perf.measure.LevelResult;
import io.tensorline.perf.measure.Measurement;
import io.tensorline.perf.measure.Profiler;
import io.tensorline.perf.measure.WindowRecorder;
import io.tensorline.perf.model.ModelInfo;
import io.tensorline.perf.model.ServerInfo;
import io.tensorline.perf.report.ConsoleReport;
import io.tensorline.perf.report.ResultColumns;
import io.tensorline.perf.transport.GrpcTransport;
import io.tensorline.perf.transport.HttpTransport;
import io.tensorline.perf.transport.PreparedInfer;
import io.tensorline.perf.transport.Transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One invocation of the tool: ask the server about the model, build the requests once, then measure every load
 * level in turn. Results of finished levels stay available when a later level fails.
 */
public final class PerfRun {

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WARMUP_TIMEOUT = Duration.ofMinutes(5);
    private static final int MAX_GRPC_CHANNELS = 4;
    private static final int HTTP_REPLY_THREADS = 2;
    private static final long INPUT_SEED = 1;

    private final PerfOptions options;
    private final ConsoleReport console;
    private final List<LevelResult> results = new ArrayList<>();
    private final List<String> settings = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private boolean serverStats;
    private String title = "";

    public PerfRun(PerfOptions options, ConsoleReport console) {
        this.options = options;
        this.console = console;
    }

    public void run() throws PerfException, InterruptedException {
        try (Transport transport = open()) {
            ServerInfo server = transport.serverMetadata();
            ModelInfo model = transport.modelInfo(options.model(), options.version());
            serverStats = server.hasStatistics();
            List<InputSet> inputs = new InputSets(model, options.batchSize(), options.shapes(), options.stringLength())
                    .build(options.inputData(), INPUT_SEED);
            List<PreparedInfer> prepared = new ArrayList<>();
            for (InputSet set : inputs) {
                prepared.add(transport.prepare(options.model(), options.version(), set));
            }
            describe(server, model, inputs);
            Profiler profiler = new Profiler(
                    new Profiler.Settings(options.measurementIntervalMs(), options.measurementRequestCount(),
                            options.stabilityPercentage(),
                            options.maxTrials(), options.percentile(), DRAIN_TIMEOUT),
                    serverStats ? () -> transport.modelStatistics(options.model(), options.version()) : null,
                    Thread::sleep, System::nanoTime, console);
            RequestCycle cycle = new RequestCycle(prepared);
            if (options.warmupRequestCount() > 0) {
                warmUp(options.levels().get(0), cycle);
            }
            for (LoadLevel level : options.levels()) {
                console.levelStart(level);
                WindowRecorder recorder = new WindowRecorder(options.batchSize());
                LevelResult result = profiler.profile(level, generator(level, cycle, recorder), recorder);
                console.levelDone(result);
                results.add(result);
                if (!result.stable()) {
                    notes.add(level.mode().label() + " " + level.display() + ": not stable within " + result.trials()
                            + " windows; its figures merge the last windows and are marked Stable=no.");
                }
            }
        }
    }

    /** Sends the warm-up requests at the first level and forgets them. */
    private void warmUp(LoadLevel level, RequestCycle cycle) throws PerfException, InterruptedException {
        int count = options.warmupRequestCount();
        console.line("");
        console.line("Warming up: " + count + " requests at " + level.mode().label().toLowerCase(java.util.Locale.ROOT)
                + " " + level.display() + " (not measured)");
        WindowRecorder recorder = new WindowRecorder(options.batchSize());
        LoadGenerator load = generator(level, cycle, recorder);
        load.start();
        boolean done;
        try {
            done = recorder.awaitRequests(count, WARMUP_TIMEOUT);
        } finally {
            load.stop(DRAIN_TIMEOUT);
        }
        Measurement seen = recorder.drain(1, null);
        if (seen.errors() > 0) {
            throw new PerfException(seen.errors() + " warm-up requests failed; the first: " + seen.firstError());
        }
        if (!done) {
            throw new PerfException("warm-up did not complete " + count + " requests within "
                    + WARMUP_TIMEOUT.toSeconds() + " s (expected: a smaller --warmup-request-count)");
        }
    }

    private Transport open() {
        boolean concurrency = options.mode() == LoadMode.CONCURRENCY;
        if (options.protocol() == Protocol.GRPC) {
            int channels = concurrency ? Math.min(options.maxConcurrency(), MAX_GRPC_CHANNELS) : MAX_GRPC_CHANNELS;
            return new GrpcTransport(options.target(), channels);
        }
        int connections = concurrency ? options.maxConcurrency() : options.httpMaxConnections();
        return new HttpTransport(options.target(), options.httpBinary(), connections, HTTP_REPLY_THREADS);
    }

    private LoadGenerator generator(LoadLevel level, RequestCycle cycle, WindowRecorder recorder) {
        if (level.mode() == LoadMode.REQUEST_RATE) {
            return new RequestRateLoad(cycle, new IntervalSchedule(options.distribution(), level.value(), INPUT_SEED),
                    recorder, "perf-rate-scheduler");
        }
        return options.async()
                ? new ConcurrencyLoad(cycle, level.concurrency(), recorder)
                : new SyncConcurrencyLoad(cycle, level.concurrency(), recorder);
    }

    private void describe(ServerInfo server, ModelInfo model, List<InputSet> inputs) {
        title = "tensorline perf: model '" + model.name() + "' on " + options.target();
        boolean grpc = options.protocol() == Protocol.GRPC;
        settings.add("Server: " + server.name() + " " + server.version() + " at " + options.target() + " over "
                + (grpc ? "gRPC" : "HTTP/1.1") + "; extensions: " + String.join(", ", server.extensions()));
        settings.add("Model: " + model.name() + (options.version().isEmpty() ? "" : " version " + options.version())
                + ", platform " + (model.platform().isEmpty() ? "(none)" : model.platform()) + ", max_batch_size "
                + (model.configAvailable() ? Integer.toString(model.maxBatchSize()) : "unknown (no model configuration served)"));
        InputSet first = inputs.get(0);
        settings.add("Inputs: " + first.tensors().stream()
                .map(t -> t.name() + " " + t.datatype() + " " + Arrays.toString(t.shape()))
                .collect(Collectors.joining(", ")) + " (" + first.byteSize() + " bytes per request; "
                + inputs.size() + " input set" + (inputs.size() == 1 ? "" : "s") + " from " + options.inputData() + ")");
        settings.add("Batch size: " + options.batchSize());
        settings.add("Load: " + options.mode().label().toLowerCase(java.util.Locale.ROOT) + " "
                + options.levels().stream().map(LoadLevel::display).collect(Collectors.joining(", "))
                + (options.mode() == LoadMode.REQUEST_RATE ? " requests/s, " + options.distribution().name()
                .toLowerCase(java.util.Locale.ROOT) + " distribution" : ""));
        settings.add("Measurement: windows of " + (options.measurementRequestCount() > 0
                ? options.measurementRequestCount() + " requests" : options.measurementIntervalMs() + " ms")
                + " until the last 3 agree within "
                + options.stabilityPercentage() + "% on throughput and "
                + (options.percentile().isPresent() ? "p" + options.percentile().getAsInt() : "average")
                + " latency, at most " + options.maxTrials() + " windows per level");
        settings.add("Requests: " + (options.mode() == LoadMode.REQUEST_RATE || options.async()
                ? "asynchronous" : "synchronous (a thread per concurrency slot)")
                + (grpc ? ", over up to " + MAX_GRPC_CHANNELS + " gRPC channels (one HTTP/2 connection each)"
                : ", HTTP/1.1 " + (options.httpBinary() ? "with the binary tensor extension" : "with JSON tensor data")));
        if (serverStats) {
            settings.add("Server-side statistics: from the statistics extension, per window");
        } else {
            notes.add("Server-side statistics are not available: the server's metadata does not list the 'statistics'"
                    + " extension, so the columns " + String.join(", ", ResultColumns.serverColumnNames())
                    + " are left out (as perf_analyzer does). The client-side columns are complete.");
        }
        console.line("*** Measurement Settings ***");
        settings.forEach(s -> console.line("  " + s));
        notes.forEach(n -> console.line("  NOTE: " + n));
    }

    public List<LevelResult> results() {
        return List.copyOf(results);
    }

    public boolean serverStats() {
        return serverStats;
    }

    public String title() {
        return title;
    }

    public List<String> settings() {
        return List.copyOf(settings);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }
}
