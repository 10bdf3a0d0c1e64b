package io.tensorline.server.cli;

import io.tensorline.server.cache.CacheConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The settings of {@code tensorline serve}, parsed once from Triton-named flags.
 *
 * @param httpPort    0 picks a free port; -1 disables the endpoint
 * @param autoComplete false with {@code --strict-model-config=true} or {@code --disable-auto-complete-config}
 * @param cacheBytes  the response cache's budget ({@code --cache-config local,size=N}); 0 means no cache
 */
public record ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress,
                           int grpcPort, int metricsPort, boolean exitOnError, boolean autoComplete,
                           int grpcMaxMessageBytes, int httpMaxInputBytes, long cacheBytes) {

    /** Options without a response cache. */
    public ServeOptions(Path modelRepository, String httpAddress, int httpPort, String grpcAddress, int grpcPort,
                        int metricsPort, boolean exitOnError, boolean autoComplete, int grpcMaxMessageBytes,
                        int httpMaxInputBytes) {
        this(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort, exitOnError, autoComplete,
                grpcMaxMessageBytes, httpMaxInputBytes, 0);
    }

    public ServeOptions withCacheBytes(long bytes) {
        return new ServeOptions(modelRepository, httpAddress, httpPort, grpcAddress, grpcPort, metricsPort,
                exitOnError, autoComplete, grpcMaxMessageBytes, httpMaxInputBytes, bytes);
    }

    public static Flags flags(Path defaultRepository) {
        return new Flags()
                .declare("model-repository", "PATH", defaultRepository.toString(),
                        "model repository root (Triton layout: <repo>/<model>/config.pbtxt, <model>/<N>/model.*)")
                .declare("http-port", "PORT", "8000", "HTTP/REST port (0: any free port)")
                .declare("http-address", "ADDR", "0.0.0.0", "HTTP bind address")
                .declareBool("allow-http", true, "serve HTTP/REST")
                .declare("grpc-port", "PORT", "8001", "gRPC port (0: any free port)")
                .declare("grpc-address", "ADDR", "0.0.0.0", "gRPC bind address")
                .declareBool("allow-grpc", true, "serve gRPC")
                .declare("metrics-port", "PORT", "8002", "Prometheus metrics port")
                .declareBool("allow-metrics", true, "serve Prometheus metrics")
                .declareBool("exit-on-error", true, "stop start-up when a model fails to load")
                .declareBool("strict-model-config", false,
                        "require complete configs (no auto-complete from the model; instance groups are still filled in)")
                .declareBool("disable-auto-complete-config", false, "same as --strict-model-config=true")
                .declare("model-control-mode", "MODE", "none",
                        "none: load every model at start-up (the only mode this version offers)")
                .declare("grpc-max-message-bytes", "BYTES", Integer.toString(256 * 1024 * 1024),
                        "largest gRPC request message accepted")
                .declare("http-max-input-size", "BYTES", Integer.toString(64 * 1024 * 1024),
                        "largest HTTP request body accepted (after decompression)")
                .declare("cache-config", "CACHE,SETTING=VALUE", "",
                        "response cache for models with response_cache { enable: true }: local,size=<bytes>")
                .declare("response-cache-byte-size", "BYTES", "", "deprecated: same as --cache-config local,size=BYTES")
                .declareBool("help", false, "print this help and exit");
    }

    public static ServeOptions from(Flags f) throws Flags.UsageException {
        Path repo = Path.of(f.get("model-repository"));
        if (!Files.isDirectory(repo)) {
            throw new Flags.UsageException("--model-repository=" + repo + " is not a directory (expected: a model repository root)");
        }
        if (!f.get("model-control-mode").equals("none")) {
            throw new Flags.UsageException("--model-control-mode=" + f.get("model-control-mode")
                    + " (expected: none; poll and explicit are not offered yet)");
        }
        int http = f.getBool("allow-http") ? f.getInt("http-port", 0, 65535) : -1;
        int grpc = f.getBool("allow-grpc") ? f.getInt("grpc-port", 0, 65535) : -1;
        int metrics = f.getBool("allow-metrics") ? f.getInt("metrics-port", 0, 65535) : -1;
        boolean autoComplete = !f.getBool("strict-model-config") && !f.getBool("disable-auto-complete-config");
        return new ServeOptions(repo, f.get("http-address"), http, f.get("grpc-address"), grpc, metrics,
                f.getBool("exit-on-error"), autoComplete,
                f.getInt("grpc-max-message-bytes", 1024, Integer.MAX_VALUE),
                f.getInt("http-max-input-size", 1024, Integer.MAX_VALUE), cacheBytes(f));
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
