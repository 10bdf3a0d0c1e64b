package io.tensorline.server.cli;

import io.tensorline.server.cache.CacheConfig;
import io.tensorline.server.core.RequestLimits;

import java.nio.file.Path;

/**
 * The settings of {@code tensorline serve}, parsed once from Triton-named flags.
 *
 * @param httpPort    0 picks a free port; -1 disables the endpoint
 * @param autoComplete false with {@code --strict-model-config=true} or {@code --disable-auto-complete-config}
 * @param cacheBytes  the response cache's budget ({@code --cache-config local,size=N}); 0 means no cache
 * @param allowClientShm {@code --allow-client-shm}: clients may register system shared memory regions
 */
public record ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress,
                           int grpcPort, int metricsPort, boolean exitOnError, boolean autoComplete,
                           int grpcMaxMessageBytes, int httpMaxInputBytes, long maxTensorBytes,
                           int metricsIntervalMs, boolean cpuMetrics,
                           ModelControlOptions modelControl, long cacheBytes, boolean allowClientShm) {

    /** Client shared memory off (Triton's default). */
    public ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress, int grpcPort,
                        int metricsPort, boolean exitOnError, boolean autoComplete, int grpcMaxMessageBytes,
                        int httpMaxInputBytes, long maxTensorBytes, int metricsIntervalMs, boolean cpuMetrics,
                        ModelControlOptions modelControl, long cacheBytes) {
        this(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort, exitOnError, autoComplete,
                grpcMaxMessageBytes, httpMaxInputBytes, maxTensorBytes, metricsIntervalMs, cpuMetrics, modelControl,
                cacheBytes, false);
    }

    /** Without a response cache. */
    public ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress, int grpcPort,
                        int metricsPort, boolean exitOnError, boolean autoComplete, int grpcMaxMessageBytes,
                        int httpMaxInputBytes, long maxTensorBytes, int metricsIntervalMs, boolean cpuMetrics,
                        ModelControlOptions modelControl) {
        this(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort, exitOnError, autoComplete,
                grpcMaxMessageBytes, httpMaxInputBytes, maxTensorBytes, metricsIntervalMs, cpuMetrics, modelControl,
                0);
    }

    /** Mode none over one repository root; Triton's metrics defaults (a 2000 ms interval, CPU metrics on). */
    public ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress, int grpcPort,
                        int metricsPort, boolean exitOnError, boolean autoComplete, int grpcMaxMessageBytes,
                        int httpMaxInputBytes) {
        this(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort, exitOnError, autoComplete,
                grpcMaxMessageBytes, httpMaxInputBytes, RequestLimits.DEFAULT_MAX_TENSOR_BYTES);
    }

    /** Mode none over one repository root, with a {@code --max-tensor-bytes}. */
    public ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress, int grpcPort,
                        int metricsPort, boolean exitOnError, boolean autoComplete, int grpcMaxMessageBytes,
                        int httpMaxInputBytes, long maxTensorBytes) {
        this(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort, exitOnError, autoComplete,
                grpcMaxMessageBytes, httpMaxInputBytes, maxTensorBytes, 2000, true,
                ModelControlOptions.defaults(modelRepository));
    }

    public ServeOptions withModelControl(ModelControlOptions value) {
        return new ServeOptions(value.repositories().get(0), httpAddress, httpPort, grpcAddress, grpcPort,
                metricsPort, exitOnError, autoComplete, grpcMaxMessageBytes, httpMaxInputBytes, maxTensorBytes,
                metricsIntervalMs, cpuMetrics, value, cacheBytes, allowClientShm);
    }

    public ServeOptions withCacheBytes(long bytes) {
        return new ServeOptions(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort,
                exitOnError, autoComplete, grpcMaxMessageBytes, httpMaxInputBytes, maxTensorBytes, metricsIntervalMs,
                cpuMetrics, modelControl, bytes, allowClientShm);
    }

    public ServeOptions withAllowClientShm(boolean value) {
        return new ServeOptions(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort,
                exitOnError, autoComplete, grpcMaxMessageBytes, httpMaxInputBytes, maxTensorBytes, metricsIntervalMs,
                cpuMetrics, modelControl, cacheBytes, value);
    }

    public static Flags flags(Path defaultRepository) {
        return ModelControlOptions.declare(new Flags()
                .declareRepeatable("model-repository", "PATH", defaultRepository.toString(),
                        "model repository root (Triton layout: <repo>/<model>/config.pbtxt, <model>/<N>/model.*); "
                                + "s3://bucket/path or s3://host:port/bucket/path for S3"))
                .declare("http-port", "PORT", "8000", "HTTP/REST port (0: any free port)")
                .declare("http-address", "ADDR", "0.0.0.0", "HTTP bind address")
                .declareBool("allow-http", true, "serve HTTP/REST")
                .declare("grpc-port", "PORT", "8001", "gRPC port (0: any free port)")
                .declare("grpc-address", "ADDR", "0.0.0.0", "gRPC bind address")
                .declareBool("allow-grpc", true, "serve gRPC")
                .declare("metrics-port", "PORT", "8002", "Prometheus metrics port")
                .declareBool("allow-metrics", true, "serve Prometheus metrics")
                .declare("metrics-interval-ms", "MS", "2000", "how often per-interval metrics (nv_cpu_*) are sampled")
                .declareBool("allow-cpu-metrics", true, "export nv_cpu_utilization and nv_cpu_memory_* (with --allow-metrics)")
                .declareBool("exit-on-error", true, "stop start-up when a model fails to load")
                .declareBool("strict-model-config", false,
                        "require complete configs (no auto-complete from the model; instance groups are still filled in)")
                .declareBool("disable-auto-complete-config", false, "same as --strict-model-config=true")
                .declare("model-control-mode", "MODE", "none",
                        "none: every model at start-up; poll: and apply repository changes; explicit: only "
                                + "--load-model, then the load/unload API")
                .declare("max-tensor-bytes", "BYTES", Long.toString(RequestLimits.DEFAULT_MAX_TENSOR_BYTES),
                        "largest input tensor accepted, in bytes (larger ones are refused before any engine runs)")
                .declare("grpc-max-message-bytes", "BYTES", Integer.toString(256 * 1024 * 1024),
                        "largest gRPC request message accepted")
                .declare("http-max-input-size", "BYTES", Integer.toString(64 * 1024 * 1024),
                        "largest HTTP request body accepted (after decompression)")
                .declareBool("allow-client-shm", false,
                        "let clients register system shared memory regions (/dev/shm objects) for tensor data; "
                        + "false: the register calls answer Triton's disabled text")
                .declare("cache-config", "CACHE,SETTING=VALUE", "",
                        "response cache for models with response_cache { enable: true }: local,size=<bytes>")
                .declare("response-cache-byte-size", "BYTES", "", "deprecated: same as --cache-config local,size=BYTES")
                .declareBool("help", false, "print this help and exit");
    }

    public static ServeOptions from(Flags f) throws Flags.UsageException {
        ModelControlOptions control = ModelControlOptions.from(f);
        Path repo = control.repositories().get(0);
        int http = f.getBool("allow-http") ? f.getInt("http-port", 0, 65535) : -1;
        int grpc = f.getBool("allow-grpc") ? f.getInt("grpc-port", 0, 65535) : -1;
        int metrics = f.getBool("allow-metrics") ? f.getInt("metrics-port", 0, 65535) : -1;
        boolean autoComplete = !f.getBool("strict-model-config") && !f.getBool("disable-auto-complete-config");
        return new ServeOptions(repo, f.get("http-address"), http, f.get("grpc-address"), grpc, metrics,
                f.getBool("exit-on-error"), autoComplete,
                f.getInt("grpc-max-message-bytes", 1024, Integer.MAX_VALUE),
                f.getInt("http-max-input-size", 1024, Integer.MAX_VALUE),
                f.getLong("max-tensor-bytes", 1, Long.MAX_VALUE),
                f.getInt("metrics-interval-ms", 1, Integer.MAX_VALUE), f.getBool("allow-cpu-metrics"), control,
                cacheBytes(f), f.getBool("allow-client-shm"));
    }

    private static long cacheBytes(Flags f) throws Flags.UsageException {
        String config = f.get("cache-config");
        String legacy = f.get("response-cache-byte-size");
        if (!config.isEmpty() && !legacy.isEmpty()) {
            throw new Flags.UsageException("Error: Incompatible flags --response-cache-byte-size and --cache-config "
                    + "both provided.");
        }
        if (config.isEmpty() && legacy.isEmpty()) {
            return 0;
        }
        try {
            return CacheConfig.parseLocalSize(config.isEmpty() ? "local,size=" + legacy : config);
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
    }
}
