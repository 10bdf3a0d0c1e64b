package io.tensorline.server.cli;

import io.tensorline.engine.EngineProvider;
import io.tensorline.server.cache.ResponseCache;
import io.tensorline.server.serving.InFlightRequests;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.RequestLimits;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.grpc.GrpcFrontend;
import io.tensorline.server.http.HttpFrontend;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.logging.LogSettings;
import io.tensorline.server.trace.RequestTracing;
import io.tensorline.server.trace.TraceConfig;
import io.tensorline.server.metrics.LatencySummaryMetrics;
import io.tensorline.server.metrics.MetricsFrontend;
import io.tensorline.server.net.ServerResources;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.GpuProbe;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelState;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.repository.RepositorySync;
import io.tensorline.server.repository.StartingRegistry;
import io.tensorline.server.repository.s3.S3Mirror;
import io.tensorline.server.repository.s3.S3RepositoryException;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.shm.SharedMemoryRegistry;
import io.tensorline.server.stats.LatencySummaries;
import io.tensorline.server.stats.ModelStatsRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The whole server: repository, core, and the endpoints, started in that order and closed in reverse. Used by
 * {@link Main} and by the end-to-end tests (with ports 0).
 */
public final class TensorlineServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TensorlineServer.class);
    /** After the requests are answered, how long the transports get to write the last replies. */
    private static final long DRAIN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    public static final String NAME = "tensorline";
    public static final String VERSION = "0.1.0";
    /**
     * Protocol extensions this server implements, in Triton's order, as ServerMetadata lists them
     * ({@code system_shared_memory} is added in its place with {@code --allow-client-shm=true}, {@code logging}
     * follows when served).
     */
    public static final List<String> EXTENSIONS = List.of("classification", "model_repository",
            "model_repository(unload_dependents)", "model_configuration", "binary_tensor_data", "parameters",
            "statistics", "trace");

    /** A model failed to load and {@code --exit-on-error} is on. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        StartupException(String message) {
            super(message);
        }
    }

    private final RepositoryModelRegistry registry;
    private final InferenceServer core;
    private final GrpcFrontend grpc;
    private final HttpFrontend http;
    private final MetricsFrontend metrics;
    private final long startupMillis;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final int exitTimeoutSecs;
    private final ServerResources resources;
    private RequestTracing tracing;
    private final SharedMemoryRegistry sharedMemory;

    private TensorlineServer(RepositoryModelRegistry registry, InferenceServer core, GrpcFrontend grpc,
                             HttpFrontend http, MetricsFrontend metrics, long startupMillis, int exitTimeoutSecs,
                             ServerResources resources, SharedMemoryRegistry sharedMemory) {
        this.exitTimeoutSecs = exitTimeoutSecs;
        this.resources = resources;
        this.sharedMemory = sharedMemory;
        this.registry = registry;
        this.core = core;
        this.grpc = grpc;
        this.http = http;
        this.metrics = metrics;
        this.startupMillis = startupMillis;
    }

    /** Starts with Triton's default log settings. */
    public static TensorlineServer start(ServeOptions o) throws StartupException, IOException {
        return start(o, LogSettings.defaults(), NetworkOptions.defaults());
    }

    /**
     * @param logSettings the log settings to start with (the logging extension changes them later); ignored, and
     *                    the extension not offered, when slf4j is not bound to Logback
     */
    public static TensorlineServer start(ServeOptions o, LogSettings logSettings) throws StartupException,
            IOException {
        return start(o, logSettings, NetworkOptions.defaults());
    }

    /** Starts with TLS, restricted APIs, connection limits and the exit timeout of {@code n}. */
    public static TensorlineServer start(ServeOptions o, NetworkOptions n) throws StartupException, IOException {
        return start(o, LogSettings.defaults(), n);
    }

    /** Both of the above. */
    public static TensorlineServer start(ServeOptions o, LogSettings logSettings, NetworkOptions n)
            throws StartupException, IOException {
        return start(o, logSettings, n, TraceConfig.defaults());
    }

    /** All of the above, tracing as {@code --trace-config} said (OTLP/HTTP export). */
    public static TensorlineServer start(ServeOptions o, LogSettings logSettings, NetworkOptions n, TraceConfig trace)
            throws StartupException, IOException {
        return start(o, logSettings, n, trace, MetricsOptions.defaults());
    }

    /** All of the above, with {@code --allow-gpu-metrics} and {@code --metrics-config}. */
    public static TensorlineServer start(ServeOptions o, LogSettings logSettings, NetworkOptions n, TraceConfig trace,
                                         MetricsOptions m) throws StartupException, IOException {
        RequestTracing tracing = RequestTracing.otlp(trace);
        try {
            TensorlineServer server = start(o, logSettings, n, tracing, m);
            server.tracing = tracing;
            return server;
        } catch (StartupException | IOException | RuntimeException e) {
            tracing.close();
            throw e;
        }
    }

    private static TensorlineServer start(ServeOptions o, LogSettings logSettings, NetworkOptions n,
                                          RequestTracing tracing, MetricsOptions m)
            throws StartupException, IOException {
        ServerResources resources = ServerResources.forMachine();
        try {
            return start(o, logSettings, n, tracing, m, resources);
        } catch (StartupException | IOException | RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    private static TensorlineServer start(ServeOptions o, LogSettings logSettings, NetworkOptions n,
                                          RequestTracing tracing, MetricsOptions m, ServerResources resources)
            throws StartupException, IOException {
        NetworkListeners net;
        try {
            net = NetworkListeners.of(n);
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage());
        }
        long t0 = System.nanoTime();
        LogControl logging = LogControl.available() ? LogControl.install(logSettings) : null;
        EngineRegistry engines = EngineRegistry.fromClassPath();
        LatencySummaryMetrics summaries = o.metricsPort() >= 0 && m.config().summaryLatencies()
                ? new LatencySummaryMetrics(m.config().quantiles()) : null;
        ModelStatsRegistry stats = new ModelStatsRegistry(summaries != null ? summaries : LatencySummaries.NONE);
        List<String> backends = engines.providers().stream().map(EngineProvider::backend).sorted().toList();
        List<String> extensions = new ArrayList<>(EXTENSIONS);
        if (o.allowClientShm()) {
            extensions.add(extensions.indexOf("model_configuration") + 1, "system_shared_memory");
        }
        if (logging != null) {
            extensions.add("logging");
        }
        // live, and not ready until the registry is handed over (the endpoints may bind while the models load)
        StartingRegistry starting = new StartingRegistry();
        InferenceServer core = new InferenceServer(starting, new ServerInfo(NAME, VERSION, extensions, backends),
                stats, new RequestLimits(o.maxTensorBytes()), new InFlightRequests(n.maxInFlightRequests()))
                .withTracing(tracing).withClock(resources.clock());
        SharedMemoryRegistry shm = o.allowClientShm() ? SharedMemoryRegistry.enabled()
                : SharedMemoryRegistry.disabled();
        EarlyEndpoints endpoints = EarlyEndpoints.start(o.grpcPort() >= 0 || o.httpPort() >= 0 || o.metricsPort() >= 0,
                EarlyEndpoints.early(), () -> bind(o, n, m, net, stats, summaries, resources, core, logging, shm));
        RepositoryModelRegistry registry;
        try {
            RepositorySync remote;
            try {
                // s3:// roots are mirrored before anything loads; without one the SDK is never touched
                remote = o.modelControl().s3().isEmpty() ? RepositorySync.NONE
                        : S3Mirror.openAll(o.modelControl().s3());
            } catch (S3RepositoryException e) {
                throw new StartupException(e.getMessage());
            }
            registry = RepositoryModelRegistry.load(o.modelControl().repositories(),
                    o.modelControl().apply(RepositoryModelRegistry.Options.defaults().withAutoComplete(o.autoComplete())
                            .withGpuCount(GpuProbe.count())), engines,
                    new DefaultSchedulerFactory(stats, resources.clock(), DefaultSchedulerFactory.DEFAULT_QUEUE_CAPACITY,
                            o.cacheBytes() > 0 ? new ResponseCache(o.cacheBytes()) : null, resources.threads()),
                    remote);
        } catch (StartupException | RuntimeException e) {
            endpoints.abandon();
            shm.close();
            throw e;
        }
        List<ModelIndexEntry> failures = registry.loadFailures();
        if (o.exitOnError() && !failures.isEmpty()) {
            endpoints.abandon();
            registry.close();
            shm.close();
            throw new StartupException("failed to load " + failures.size() + " model(s) (--exit-on-error=true):\n"
                    + failures.stream().map(f -> "  " + f.name() + (f.version().isEmpty() ? "" : " version " + f.version())
                            + ": " + f.reason()).collect(Collectors.joining("\n")));
        }
        LOG.info("engines on the class path: {}", backends);
        EarlyEndpoints.Bound bound;
        try {
            bound = endpoints.await();
        } catch (IOException | RuntimeException e) {
            registry.close();
            shm.close();
            throw e;
        }
        starting.open(registry); // READY from here (with every start-up model loaded, or as --strict-readiness says)
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new TensorlineServer(registry, core, bound.grpc(), bound.http(), bound.metrics(), millis,
                n.exitTimeoutSecs(), resources, shm);
    }

    /** Binds the endpoints that are on (on {@link EarlyEndpoints}'s thread); on failure closes what it bound. */
    private static EarlyEndpoints.Bound bind(ServeOptions o, NetworkOptions n, MetricsOptions m, NetworkListeners net,
                                             ModelStatsRegistry stats, LatencySummaryMetrics summaries,
                                             ServerResources resources, InferenceServer core, LogControl logging,
                                             SharedMemoryRegistry shm) throws IOException {
        GrpcFrontend grpc = null;
        HttpFrontend http = null;
        MetricsFrontend metrics = null;
        try {
            if (o.metricsPort() >= 0) {
                metrics = MetricsFrontend.start(stats, n.metricsAddress() == null ? o.httpAddress() : n.metricsAddress(),
                        o.metricsPort(), new MetricsFrontend.Exports(o.metricsIntervalMs(), o.cpuMetrics(),
                                m.gpuMetrics(), m.config().counterLatencies(), summaries), net.metrics(),
                        resources.httpEventLoops());
            }
            if (o.grpcPort() >= 0) {
                grpc = new GrpcFrontend(core, o.grpcMaxMessageBytes(), net.grpc()).withLogging(logging)
                        .withEventLoops(resources.grpcEventLoops()).withSharedMemory(shm)
                        .start(o.grpcAddress(), o.grpcPort());
            }
            if (o.httpPort() >= 0) {
                http = new HttpFrontend(core, HttpFrontend.Options.defaults().withMaxBodyBytes(o.httpMaxInputBytes()),
                        logging, shm).withEventLoops(resources.httpEventLoops());
                http.start(o.httpAddress(), o.httpPort(), net.http());
            }
            return new EarlyEndpoints.Bound(grpc, http, metrics);
        } catch (IOException | RuntimeException e) {
            new EarlyEndpoints.Bound(grpc, http, metrics).close();
            throw e;
        }
    }

    public InferenceServer core() {
        return core;
    }

    /** The clock, event loops and threads the endpoints and schedulers share. */
    public ServerResources resources() {
        return resources;
    }

    /** The system shared memory regions clients registered (none can be with {@code --allow-client-shm=false}). */
    public SharedMemoryRegistry sharedMemory() {
        return sharedMemory;
    }

    /** The bound gRPC port, or -1 when gRPC is off. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    /** The bound HTTP port, or -1 when HTTP is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The bound metrics port, or -1 when metrics are off. */
    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    /** One line for the log: ready models, ports, engines, start-up time. */
    public String startupLine() {
        List<String> ready = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (ModelIndexEntry e : registry.index()) {
            String label = e.name() + (e.version().isEmpty() ? "" : ":" + e.version());
            (e.state() == ModelState.READY ? ready : failed).add(label);
        }
        String engines = String.join(",", core.info().backends());
        return String.format("Tensorline %s ready in %d ms: models [%s]%s; gRPC %s, HTTP %s, metrics %s; engines [%s]",
                VERSION, startupMillis, String.join(", ", ready),
                failed.isEmpty() ? "" : " (UNAVAILABLE: " + String.join(", ", failed) + ")",
                grpc == null ? "off" : ":" + grpc.port(), http == null ? "off" : ":" + http.port(),
                metrics == null ? "off" : ":" + metrics.port(), engines);
    }

    /** Blocks until {@link #close} has run. */
    public void awaitTermination() throws InterruptedException {
        closed.await();
    }

    /**
     * Drains, then stops: no new connections or calls; every request already accepted on either transport is
     * answered, or, if {@code --exit-timeout-secs} runs out first, failed with UNAVAILABLE (a status, never a bare
     * reset); then the endpoints close and every model is unloaded. Idempotent; the SIGTERM hook calls it.
     */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(exitTimeoutSecs);
        core.beginShutdown();
        if (grpc != null) {
            grpc.beginDrain();
        }
        if (http != null) {
            http.beginDrain();
        }
        try {
            if (!core.inFlight().awaitIdle(deadline)) {
                int failed = core.inFlight().failAll(InferenceException.unavailable(
                        "Exit timeout expired: the server is shutting down"));
                LOG.warn("Exit timeout expired ({} s): {} request(s) answered UNAVAILABLE", exitTimeoutSecs, failed);
            }
            // the answers are on their way; streams finish once answered; give the transports a moment to write
            if (grpc != null && !grpc.awaitTermination(Math.max(deadline, System.nanoTime() + DRAIN_GRACE_NANOS))) {
                LOG.warn("gRPC calls still open after the drain; closing them");
            }
            if (http != null && !http.awaitDrained(Math.max(deadline, System.nanoTime() + DRAIN_GRACE_NANOS))) {
                LOG.warn("HTTP connections still open after the drain; closing them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (grpc != null) {
            grpc.close();
        }
        if (http != null) {
            http.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        registry.close();
        sharedMemory.close(); // every request is answered and the engines are closed: drop every mapping
        if (tracing != null) {
            tracing.close(); // exports the last spans
        }
        resources.close(); // the endpoints' threads, last
        closed.countDown();
    }
}
