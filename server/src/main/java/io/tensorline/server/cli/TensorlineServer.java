package io.tensorline.server.cli;

import io.tensorline.engine.EngineProvider;
import io.tensorline.server.cache.ResponseCache;
import io.tensorline.server.core.InferenceServer;
import io.tensorline.server.core.RequestLimits;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.grpc.GrpcFrontend;
import io.tensorline.server.http.HttpFrontend;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.logging.LogSettings;
import io.tensorline.server.metrics.MetricsFrontend;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.GpuProbe;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelState;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.stats.ModelStatsRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The whole server: repository, core, and the endpoints, started in that order and closed in reverse. Used by
 * {@link Main} and by the end-to-end tests (with ports 0).
 */
public final class TensorlineServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TensorlineServer.class);

    public static final String NAME = "tensorline";
    public static final String VERSION = "0.1.0";
    /**
     * Protocol extensions this server implements, in Triton's order, as ServerMetadata lists them ({@code logging}
     * follows when served).
     */
    public static final List<String> EXTENSIONS = List.of("classification", "model_repository",
            "model_repository(unload_dependents)", "model_configuration", "binary_tensor_data", "parameters",
            "statistics");

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

    private TensorlineServer(RepositoryModelRegistry registry, InferenceServer core, GrpcFrontend grpc,
                             HttpFrontend http, MetricsFrontend metrics, long startupMillis) {
        this.registry = registry;
        this.core = core;
        this.grpc = grpc;
        this.http = http;
        this.metrics = metrics;
        this.startupMillis = startupMillis;
    }

    /** Starts with Triton's default log settings. */
    public static TensorlineServer start(ServeOptions o) throws StartupException, IOException {
        return start(o, LogSettings.defaults());
    }

    /**
     * @param logSettings the log settings to start with (the logging extension changes them later); ignored, and
     *                    the extension not offered, when slf4j is not bound to Logback
     */
    public static TensorlineServer start(ServeOptions o, LogSettings logSettings) throws StartupException,
            IOException {
        long t0 = System.nanoTime();
        LogControl logging = LogControl.available() ? LogControl.install(logSettings) : null;
        EngineRegistry engines = EngineRegistry.fromClassPath();
        ModelStatsRegistry stats = new ModelStatsRegistry();
        RepositoryModelRegistry registry = RepositoryModelRegistry.load(o.modelControl().repositories(),
                o.modelControl().apply(RepositoryModelRegistry.Options.defaults().withAutoComplete(o.autoComplete())
                        .withGpuCount(GpuProbe.count())), engines,
                new DefaultSchedulerFactory(stats, o.cacheBytes() > 0 ? new ResponseCache(o.cacheBytes()) : null));
        List<ModelIndexEntry> failures = registry.loadFailures();
        if (o.exitOnError() && !failures.isEmpty()) {
            registry.close();
            throw new StartupException("failed to load " + failures.size() + " model(s) (--exit-on-error=true):\n"
                    + failures.stream().map(f -> "  " + f.name() + (f.version().isEmpty() ? "" : " version " + f.version())
                            + ": " + f.reason()).collect(Collectors.joining("\n")));
        }
        List<String> backends = engines.providers().stream().map(EngineProvider::backend).sorted().toList();
        LOG.info("engines on the class path: {}", backends);
        List<String> extensions = new ArrayList<>(EXTENSIONS);
        if (logging != null) {
            extensions.add("logging");
        }
        InferenceServer core = new InferenceServer(registry, new ServerInfo(NAME, VERSION, extensions, backends),
                stats, new RequestLimits(o.maxTensorBytes()));
        GrpcFrontend grpc = null;
        HttpFrontend http = null;
        MetricsFrontend metrics = null;
        try {
            if (o.metricsPort() >= 0) {
                metrics = MetricsFrontend.start(stats, o.httpAddress(), o.metricsPort(), o.metricsIntervalMs(),
                        o.cpuMetrics());
            }
            if (o.grpcPort() >= 0) {
                grpc = new GrpcFrontend(core, o.grpcMaxMessageBytes()).withLogging(logging)
                        .start(o.grpcAddress(), o.grpcPort());
            }
            if (o.httpPort() >= 0) {
                http = new HttpFrontend(core, HttpFrontend.Options.defaults().withMaxBodyBytes(o.httpMaxInputBytes()),
                        logging);
                http.start(o.httpAddress(), o.httpPort());
            }
        } catch (IOException | RuntimeException e) {
            if (metrics != null) {
                metrics.close();
            }
            if (grpc != null) {
                grpc.close();
            }
            if (http != null) {
                http.close();
            }
            registry.close();
            throw e;
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new TensorlineServer(registry, core, grpc, http, metrics, millis);
    }

    public InferenceServer core() {
        return core;
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

    /** Stops taking requests, closes the endpoints, then unloads every model (answering what still waits). */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        core.beginShutdown();
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
        closed.countDown();
    }
}
