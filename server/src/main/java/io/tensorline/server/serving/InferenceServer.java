package io.tensorline.server.serving;

import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelDocument;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.Classification;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.core.ModelMetadata;
import io.tensorline.server.core.RequestLimits;
import io.tensorline.server.core.RequestValidator;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.repository.CurrentVersion;
import io.tensorline.server.repository.LoadParameters;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelRegistry;
import io.tensorline.server.repository.ModelState;
import io.tensorline.server.repository.ModelVersion;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.stats.ModelStatsSnapshot;
import io.tensorline.server.trace.RequestTrace;
import io.tensorline.server.trace.RequestTracing;
import io.tensorline.server.trace.TraceConfig;
import io.tensorline.server.trace.TraceParent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The one entry point of both transports: health, metadata, and {@link #infer}. Transports decode, call this, and
 * encode; nothing here blocks. Thread-safe.
 */
public final class InferenceServer {

    private final ModelRegistry registry;
    private final ServerInfo info;
    private final ModelStatsRegistry stats;
    private final RequestLimits limits;
    private volatile boolean shuttingDown;
    private final InFlightRequests inFlight;
    private volatile RequestTracing tracing;
    private volatile NanoClock clock = NanoClock.SYSTEM;

    /** A server without statistics (its {@link #statistics} answers with empty lists). */
    public InferenceServer(ModelRegistry registry, ServerInfo info) {
        this(registry, info, new ModelStatsRegistry());
    }

    /** @param stats where the schedulers record, read by {@link #statistics} */
    public InferenceServer(ModelRegistry registry, ServerInfo info, ModelStatsRegistry stats) {
        this(registry, info, stats, RequestLimits.defaults());
    }

    /** @param limits what one request may ask of an engine, checked before it is scheduled */
    public InferenceServer(ModelRegistry registry, ServerInfo info, ModelStatsRegistry stats, RequestLimits limits) {
        this(registry, info, stats, limits, new InFlightRequests(InFlightRequests.UNBOUNDED));
    }

    /** @param inFlight bounds and follows the accepted requests (a shutdown drains it) */
    public InferenceServer(ModelRegistry registry, ServerInfo info, ModelStatsRegistry stats, RequestLimits limits,
                           InFlightRequests inFlight) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.info = Objects.requireNonNull(info, "info");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
        // Triton's defaults: off until the trace API turns it on, then OTLP/HTTP to a collector on this host
        this.tracing = RequestTracing.otlp(TraceConfig.defaults());
    }

    /** Traces requests with {@code t} from now on (set once, before the transports start); the caller closes it. */
    public InferenceServer withTracing(RequestTracing t) {
        this.tracing = Objects.requireNonNull(t, "tracing");
        return this;
    }

    /**
     * Stamps arrivals with {@code c} (set once, before the transports start): the clock the schedulers of the
     * registry's models measure with, so that queue time runs from the transport's stamp.
     */
    public InferenceServer withClock(NanoClock c) {
        this.clock = Objects.requireNonNull(c, "clock");
        return this;
    }

    /** The clock the transports stamp each request's arrival with, before they decode it. */
    public NanoClock clock() {
        return clock;
    }

    /** The trace extension. */
    public RequestTracing tracing() {
        return tracing;
    }

    /**
     * The trace extension's setting of a model ({@code ""}: global), updated with {@code changes} when there are
     * any; see {@link RequestTracing#update}.
     *
     * @throws InferenceException INVALID_ARGUMENT {@code Request for unknown model : <m>} for a model that is not
     *         ready, and the update's refusals
     */
    public Map<String, List<String>> traceSetting(String model, Map<String, List<String>> changes) {
        if (!model.isEmpty() && !(registry.contains(model) && registry.isReady(model, ""))) {
            throw InferenceException.invalid("Request for unknown model : %s", model);
        }
        return changes.isEmpty() ? tracing.settings(model) : tracing.update(model, changes);
    }

    /** The requests accepted and not yet answered. */
    public InFlightRequests inFlight() {
        return inFlight;
    }

    public ModelStatsRegistry statsRegistry() {
        return stats;
    }

    /**
     * The statistics extension: every loaded version of every model when {@code name} is empty; every ready version
     * of one model when {@code version} is empty; else that version.
     *
     * @throws InferenceException NOT_FOUND for an unknown model or version, INVALID_ARGUMENT for a version that is
     *         not an integer, UNAVAILABLE for a model that failed to load
     */
    public List<ModelStatsSnapshot> statistics(String name, String version) {
        if (name.isEmpty()) {
            return stats.snapshots("");
        }
        if (version.isEmpty()) {
            if (!registry.contains(name)) {
                throw ErrorTexts.unknownModel(name);
            }
            return stats.snapshots(name);
        }
        ModelVersion mv = registry.resolve(name, version);
        return stats.snapshots(name).stream().filter(s -> s.version() == mv.version()).toList();
    }

    public boolean live() {
        return !shuttingDown;
    }

    /** Ready when not shutting down and every model in the repository has a ready version. */
    public boolean ready() {
        return !shuttingDown && registry.allReady();
    }

    public ServerInfo info() {
        return info;
    }

    public ModelRegistry registry() {
        return registry;
    }

    /**
     * Whether a model (and version) is ready to serve.
     *
     * @throws InferenceException NOT_FOUND when no model of that name exists
     */
    public boolean modelReady(String name, String version) {
        if (!registry.contains(name)) {
            throw ErrorTexts.unknownModel(name);
        }
        return registry.isReady(name, version);
    }

    public ModelMetadata modelMetadata(String name, String version) {
        ModelVersion mv = registry.resolve(name, version);
        ModelSpec spec = mv.spec();
        List<String> versions = registry.readyVersions(name).stream().map(String::valueOf).toList();
        return new ModelMetadata(spec.name(), versions, spec.platform(), apiSpecs(spec, spec.inputs()),
                apiSpecs(spec, spec.outputs()));
    }

    /** The completed config the ModelConfig API reports (the transports turn it into their message). */
    public ModelDocument modelConfig(String name, String version) {
        return registry.resolve(name, version).completedConfig();
    }

    public List<ModelIndexEntry> index(boolean readyOnly) {
        List<ModelIndexEntry> all = registry.index();
        if (!readyOnly) {
            return all;
        }
        return all.stream().filter(e -> e.state() == ModelState.READY).toList();
    }

    /**
     * Validates and schedules a request. Never throws: every failure, including validation, comes back as a failed
     * future holding an {@link InferenceException}. The future completes exactly once, on a worker thread when the
     * request runs. Cancelling it (the client went away) lets the scheduler drop the request if it has not run.
     */
    public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
        return infer(request, Map.of());
    }

    /**
     * {@link #infer(InferenceRequest)} with the classification extension: each output named in
     * {@code classification} comes back as its top {@code k} classes ({@link Classification}).
     *
     * @param classification requested output name to its class count (> 0)
     */
    public CompletableFuture<InferenceResponse> infer(InferenceRequest request, Map<String, Integer> classification) {
        return infer(request, classification, null);
    }

    /**
     * {@link #infer(InferenceRequest, Map)} with the W3C trace context the client sent ({@code parent}, null when
     * it sent none): a sampled request gets a span, the child of that context.
     */
    public CompletableFuture<InferenceResponse> infer(InferenceRequest request, Map<String, Integer> classification,
                                                      TraceParent parent) {
        RequestTrace trace = tracing.start(request.modelName(), parent);
        if (trace != null) {
            CompletableFuture<InferenceResponse> response = untraced(request.withTrace(trace), classification);
            response.whenComplete(trace::finish);
            return response;
        }
        return untraced(request, classification);
    }

    private CompletableFuture<InferenceResponse> untraced(InferenceRequest request,
                                                          Map<String, Integer> classification) {
        CompletableFuture<InferenceResponse> refused = refusal();
        return refused != null ? refused : tracked(admitted(request, classification));
    }

    /**
     * Validates and schedules requests for one model version that are already formed into batches (each at most
     * its {@code max_batch_size} rows), answered together: see {@code Scheduler.submitBulk}. For offline batch
     * jobs on the embedded server: the default scheduler runs the requests back to back on one instance, each an
     * execution and a request in the statistics as if sent alone; the dynamic batcher takes them one by one.
     * The bulk counts as one request against {@code --max-inflight-requests}; requests are not traced and take
     * no classification. Never throws: a request that fails validation fails the whole bulk before any runs; one
     * that fails to run fails the bulk with its error, after the others ran.
     */
    public CompletableFuture<List<InferenceResponse>> inferBulk(List<InferenceRequest> requests) {
        if (requests.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<List<InferenceResponse>> refused = refusal();
        return refused != null ? refused : tracked(admittedBulk(requests, false, (served, outputs) -> {
            List<InferenceResponse> responses = new ArrayList<>(outputs.size());
            for (int i = 0; i < outputs.size(); i++) {
                responses.add(respond(served, requests.get(i), outputs.get(i)));
            }
            return responses;
        }));
    }

    /**
     * As {@link #inferBulk}, answered with one response for the whole bulk: each output is the parts' outputs laid
     * end to end along the batch dimension (rows in the order of the requests), so that the caller reads one
     * buffer per output instead of a response per part. The model must batch, and every request must ask for the
     * same outputs (checked before any runs). The parts still run, count and fail as in {@link #inferBulk}.
     */
    public CompletableFuture<InferenceResponse> inferBulkJoined(List<InferenceRequest> requests) {
        if (requests.isEmpty()) {
            return CompletableFuture.failedFuture(InferenceException.invalid("a joined bulk needs at least one request"));
        }
        CompletableFuture<InferenceResponse> refused = refusal();
        return refused != null ? refused : tracked(admittedBulk(requests, true,
                (served, outputs) -> BulkOutputs.joined(served.spec(), served.versionString(), requests.get(0),
                        outputs)));
    }

    /**
     * Validates and schedules one request of many rows, run in parts of at most {@code partRows} rows (at most the
     * model's {@code max_batch_size}): see {@code Scheduler.submitSplit}. Answered with one response whose outputs
     * hold the rows of all parts end to end. For offline batch jobs on the embedded server: the request is checked
     * once ({@link RequestInParts}: its first part as a request of its own, the rest by size) instead of per part,
     * and the parts run on views of its buffers; each part still counts as a request and an execution. The model
     * must batch, with fixed-size inputs and outputs. Counts as one request against
     * {@code --max-inflight-requests}; not traced, no classification. Never throws.
     */
    public CompletableFuture<InferenceResponse> inferInParts(InferenceRequest request, int partRows) {
        CompletableFuture<InferenceResponse> refused = refusal();
        return refused != null ? refused : tracked(admittedInParts(request, partRows));
    }

    private CompletableFuture<InferenceResponse> admittedInParts(InferenceRequest request, int partRows) {
        try {
            CurrentVersion.Accepted<List<Tensor>> accepted = CurrentVersion.submit(registry, request.modelName(),
                    request.modelVersion(), mv -> {
                        RequestInParts parts = RequestInParts.check(mv.spec(), request, partRows,
                                r -> validated(mv, r, Map.of()));
                        return mv.trySubmitSplit(request.withInputs(parts.engineInputs()), parts.rows(), partRows);
                    });
            return answered(accepted.result(), outputs -> respond(accepted.version(), request, outputs));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(InferenceException.from(e));
        }
    }

    /**
     * Admits one request (or bulk) against {@code --max-inflight-requests} and shutdown: null when admitted (the
     * caller then hands its response to {@link #tracked}), else the refusal to answer with.
     */
    private <T> CompletableFuture<T> refusal() {
        if (!inFlight.tryAdmit()) {
            return CompletableFuture.failedFuture(InferenceException.unavailable(
                    "Exceeds maximum in-flight requests (%d)", inFlight.limit()));
        }
        // admitted first, then the flag: a shutdown that sets the flag and then finds nothing in flight cannot
        // miss a request that got past this check (both are sequentially consistent)
        if (shuttingDown) {
            inFlight.release();
            return CompletableFuture.failedFuture(InferenceException.unavailable("server is shutting down"));
        }
        return null;
    }

    /** An admitted request's response, counted in flight until it completes. */
    private <T> CompletableFuture<T> tracked(CompletableFuture<T> response) {
        inFlight.track(response);
        return response;
    }

    private <T> CompletableFuture<T> admittedBulk(List<InferenceRequest> requests, boolean joined,
                                                  java.util.function.BiFunction<ModelVersion, List<List<Tensor>>, T> answer) {
        try {
            InferenceRequest first = requests.get(0);
            CurrentVersion.Accepted<List<List<Tensor>>> accepted = CurrentVersion.submit(registry,
                    first.modelName(), first.modelVersion(), mv -> {
                        if (joined) {
                            BulkOutputs.checkJoinable(mv.spec(), requests);
                        }
                        List<InferenceRequest> engineRequests = new ArrayList<>(requests.size());
                        int[] batchSizes = new int[requests.size()];
                        for (int i = 0; i < requests.size(); i++) {
                            InferenceRequest r = requests.get(i);
                            if (!r.modelName().equals(first.modelName())
                                    || !Objects.equals(r.modelVersion(), first.modelVersion())) {
                                throw InferenceException.invalid("bulk request %d names model '%s' version '%s' "
                                        + "(expected: the first one's, '%s' version '%s')", i, r.modelName(),
                                        r.modelVersion(), first.modelName(), first.modelVersion());
                            }
                            RequestValidator.Validated v = validated(mv, r, Map.of());
                            engineRequests.add(r.withInputs(v.engineInputs()));
                            batchSizes[i] = v.batchSize();
                        }
                        return mv.trySubmitBulk(engineRequests, batchSizes);
                    });
            return answered(accepted.result(), outputs -> answer.apply(accepted.version(), outputs));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(InferenceException.from(e));
        }
    }

    /** Checks a request against the version's spec; the inputs come back shaped for the engine. */
    private RequestValidator.Validated validated(ModelVersion mv, InferenceRequest request,
                                                 Map<String, Integer> classification) {
        ModelSpec spec = mv.spec();
        RequestValidator.validateOutputs(spec, request.requestedOutputs());
        checkClassification(spec, classification);
        RequestValidator.Validated v = RequestValidator.validate(spec, request, limits);
        BytesInputs.check(spec.name(), v.engineInputs(), mv.bytesElementCheck());
        return v;
    }

    private CompletableFuture<InferenceResponse> admitted(InferenceRequest request,
                                                          Map<String, Integer> classification) {
        try {
            CurrentVersion.Accepted<List<Tensor>> accepted = CurrentVersion.submit(registry, request.modelName(),
                    request.modelVersion(), mv -> {
                        RequestValidator.Validated v = validated(mv, request, classification);
                        if (request.trace() != null) {
                            request.trace().resolved(mv.versionString(), request.id(), v.batchSize());
                        }
                        return mv.trySubmit(request.withInputs(v.engineInputs()), v.batchSize());
                    });
            ModelVersion served = accepted.version();
            return answered(accepted.result(),
                    outputs -> classify(served, respond(served, request, outputs), classification));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(InferenceException.from(e));
        }
    }

    /** The response made from the scheduler's outputs; cancelling or failing it cancels the scheduled work. */
    private static <T, R> CompletableFuture<R> answered(CompletableFuture<T> submitted,
                                                        java.util.function.Function<T, R> respond) {
        CompletableFuture<R> response = submitted.thenApply(respond);
        // a client that gives up cancels the response, and a shutdown out of time fails it: pass that on so
        // the scheduler drops the request
        response.whenComplete((r, e) -> {
            if (!submitted.isDone()) {
                submitted.cancel(false);
            }
        });
        return response;
    }

    /**
     * The repository extension's load: blocks nobody; the future completes when the model is READY or failed.
     *
     * @see ModelRegistry#loadModel
     */
    public CompletableFuture<Void> loadModel(String name, LoadParameters parameters) {
        if (shuttingDown) {
            return CompletableFuture.failedFuture(InferenceException.unavailable("Server not ready"));
        }
        return registry.loadModel(name, parameters);
    }

    /** The repository extension's unload; see {@link ModelRegistry#unloadModel}. */
    public CompletableFuture<Void> unloadModel(String name, boolean unloadDependents) {
        if (shuttingDown) {
            return CompletableFuture.failedFuture(InferenceException.unavailable("Server not ready"));
        }
        return registry.unloadModel(name, unloadDependents);
    }

    /** Marks the server as going down: ready and live turn false, new requests are refused. */
    public void beginShutdown() {
        shuttingDown = true;
    }

    private static void checkClassification(ModelSpec spec, Map<String, Integer> classification) {
        classification.forEach((name, k) -> {
            IoSpec io = spec.output(name);
            if (io == null) {
                RequestValidator.validateOutputs(spec, List.of(name));
            } else if (!Classification.supported(io.dataType())) {
                throw InferenceException.invalid("class result not available for output due to unsupported type "
                        + "'%s' (output '%s' of model '%s'; expected: an integer, FP32 or FP64 output)",
                        io.dataType().wireName(), name, spec.name());
            }
        });
    }

    private static InferenceResponse classify(ModelVersion mv, InferenceResponse response,
                                              Map<String, Integer> classification) {
        if (classification.isEmpty()) {
            return response;
        }
        List<Tensor> outputs = new ArrayList<>(response.outputs().size());
        for (Tensor t : response.outputs()) {
            Integer k = classification.get(t.name());
            outputs.add(k == null ? t : Classification.classify(t, k, mv.labels(t.name()), mv.spec().batches()));
        }
        return new InferenceResponse(response.modelName(), response.modelVersion(), response.id(), outputs);
    }

    private static InferenceResponse respond(ModelVersion mv, InferenceRequest request, List<Tensor> engineOutputs) {
        ModelSpec spec = mv.spec();
        List<String> wanted = request.requestedOutputs();
        List<Tensor> selected = new ArrayList<>(wanted.isEmpty() ? spec.outputs().size() : wanted.size());
        if (wanted.isEmpty()) {
            for (IoSpec io : spec.outputs()) {
                selected.add(toApi(spec, io, find(engineOutputs, io.name(), spec)));
            }
        } else {
            for (String name : wanted) {
                selected.add(toApi(spec, spec.output(name), find(engineOutputs, name, spec)));
            }
        }
        return new InferenceResponse(spec.name(), mv.versionString(), request.id(), selected);
    }

    static Tensor find(List<Tensor> outputs, String name, ModelSpec spec) {
        for (Tensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw InferenceException.internal("model '%s' produced no output '%s'", spec.name(), name);
    }

    /** Undoes an output {@code reshape}: the engine's shape goes back to the configured dims. */
    static Tensor toApi(ModelSpec spec, IoSpec io, Tensor t) {
        if (io.reshape() == null) {
            return t;
        }
        long[] dims = io.dims();
        long[] shape = spec.batches() ? Shapes.prepend(t.shape()[0], dims) : dims;
        return Tensor.of(t.name(), t.dataType(), shape, t.data());
    }

    private static List<TensorSpec> apiSpecs(ModelSpec spec, List<IoSpec> ios) {
        List<TensorSpec> out = new ArrayList<>(ios.size());
        for (IoSpec io : ios) {
            out.add(new TensorSpec(io.name(), io.dataType(), io.fullShape(spec.maxBatchSize())));
        }
        return out;
    }
}
