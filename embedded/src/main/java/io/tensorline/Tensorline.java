package io.tensorline;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tensorline.client.InferRequest;
import io.tensorline.client.InferResult;
import io.tensorline.client.InferStream;
import io.tensorline.client.InferTensor;
import io.tensorline.client.TensorlineClient;
import io.tensorline.client.TensorlineException;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.server.cli.Flags;
import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.grpc.InferenceGrpcService;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The whole Tensorline server inside the caller's JVM: the same repository, configuration, schedulers, dynamic
 * batching and statistics as {@code tensorline serve}, without sockets. Inference goes straight to the server core
 * (tensors are wrapped, not copied); the other calls of {@link TensorlineClient} reach the server's own gRPC service
 * over grpc-java's in-process transport, so they answer exactly what a remote client would get. The gRPC, REST and
 * metrics endpoints can be started from the same object ({@link Builder#grpcPort} ...).
 *
 * <pre>{@code
 * try (Tensorline tl = Tensorline.builder().modelRepository(Path.of("model-repository")).build()) {
 *     InferResult r = tl.infer(InferRequest.builder("mlp")
 *             .input(InferTensor.fp32("INPUT0", new float[] {1, 2, 3, 4}, 1, 4)).build());
 * }
 * }</pre>
 *
 * Thread-safe. {@link #close} stops the endpoints, answers what was accepted, and unloads the models.
 */
public final class Tensorline implements TensorlineClient {

    private final TensorlineServer server;
    private final Server inProcessServer;
    private final TensorlineClient control;

    private Tensorline(TensorlineServer server, Server inProcessServer, TensorlineClient control) {
        this.server = server;
        this.inProcessServer = inProcessServer;
        this.control = control;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound gRPC port, or -1 when the endpoint is off (the default). */
    public int grpcPort() {
        return server.grpcPort();
    }

    public int httpPort() {
        return server.httpPort();
    }

    public int metricsPort() {
        return server.metricsPort();
    }

    /**
     * Runs one request; the future completes on an instance thread of the model (never on the caller's), failing
     * only with a {@link TensorlineException}. Cancelling it drops the request if it has not run yet.
     */
    @Override
    public CompletableFuture<InferResult> inferAsync(InferRequest request) {
        InferenceServer core = server.core();
        long arrival = core.clock().nanoTime();
        CompletableFuture<InferenceResponse> running = core.infer(toCore(request, arrival));
        CompletableFuture<InferResult> result = new CompletableFuture<>();
        running.whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(error(e));
            } else {
                result.complete(fromCore(r));
            }
        });
        CompletableFuture<InferResult> answer = result;
        if (request.deadline() != null) {
            Duration d = request.deadline();
            answer = result.orTimeout(d.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(e ->
                    CompletableFuture.failedFuture(e instanceof TimeoutException
                            ? new TensorlineException(TensorlineException.Status.DEADLINE_EXCEEDED, 0,
                                    "no answer within " + d, e) : e));
        }
        CompletableFuture<InferResult> returned = answer;
        // a caller that gives up (cancel) or a deadline that passes lets the scheduler drop the request
        returned.whenComplete((r, e) -> {
            if (returned.isCancelled() || result.isCompletedExceptionally() && !running.isDone()) {
                running.cancel(false);
            }
        });
        return returned;
    }

    /**
     * Runs requests for one model version that are already formed into batches (each at most the model's
     * {@code max_batch_size} rows), answered together, for offline jobs: with the default scheduler they run back
     * to back on one instance, without a hand-off or a future per request; with the dynamic batcher each is
     * queued as if sent alone. Each request still counts as a request and an execution in the statistics. The
     * future completes on an instance thread with the results in order, or fails with the
     * {@link TensorlineException} of the first request that failed. Deadlines are not applied; cancelling the
     * future drops the requests not yet run.
     */
    public CompletableFuture<List<InferResult>> inferBulk(List<InferRequest> requests) {
        return bulk(requests, server.core()::inferBulk, responses -> {
            List<InferResult> out = new ArrayList<>(responses.size());
            for (InferenceResponse r : responses) {
                out.add(fromCore(r));
            }
            return out;
        });
    }

    /**
     * As {@link #inferBulk}, answered with one result for the whole bulk: each output holds the requests' outputs
     * end to end along the batch dimension, in the order of the requests (one buffer per output, built once on the
     * instance thread, instead of a result per request). The model must batch and every request must ask for the
     * same outputs. Each request still counts as a request and an execution in the statistics.
     */
    public CompletableFuture<InferResult> inferBulkJoined(List<InferRequest> requests) {
        return bulk(requests, server.core()::inferBulkJoined, Tensorline::fromCore);
    }

    /**
     * Runs one request of many rows in parts of at most {@code partRows} rows each (at most the model's
     * {@code max_batch_size}), back to back, answered with one result whose outputs hold the rows of all parts end
     * to end, for offline jobs: the request is checked once (its first part as a request of its own, the rest by
     * size) and the parts run on views of its buffers, with no request object per part. Each part still counts as
     * a request and an execution in the statistics. The model must batch and its inputs and outputs be of
     * fixed-size datatypes (else INVALID_ARGUMENT: {@link #inferBulkJoined} takes the others). The future completes
     * on an instance thread, or fails with the {@link TensorlineException} of the first part that failed;
     * deadlines are not applied; cancelling it drops the parts not yet run.
     */
    public CompletableFuture<InferResult> inferInParts(InferRequest request, int partRows) {
        return bulk(List.of(request), converted -> server.core().inferInParts(converted.get(0), partRows),
                Tensorline::fromCore);
    }

    private <C, R> CompletableFuture<R> bulk(List<InferRequest> requests,
                                             java.util.function.Function<List<InferenceRequest>, CompletableFuture<C>> run,
                                             java.util.function.Function<C, R> convert) {
        long arrival = server.core().clock().nanoTime();
        List<InferenceRequest> converted = new ArrayList<>(requests.size());
        for (InferRequest r : requests) {
            converted.add(toCore(r, arrival));
        }
        CompletableFuture<C> running = run.apply(converted);
        CompletableFuture<R> result = new CompletableFuture<>();
        running.whenComplete((answer, e) -> {
            if (e != null) {
                result.completeExceptionally(error(e));
            } else {
                result.complete(convert.apply(answer));
            }
        });
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                running.cancel(false);
            }
        });
        return result;
    }

    @Override
    public InferResult infer(InferRequest request) {
        try {
            return inferAsync(request).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof TensorlineException te ? te : error(e);
        }
    }

    @Override
    public boolean isServerLive() {
        return control.isServerLive();
    }

    @Override
    public boolean isServerReady() {
        return control.isServerReady();
    }

    @Override
    public boolean isModelReady(String model, String version) {
        return control.isModelReady(model, version);
    }

    @Override
    public ServerMetadataResponse serverMetadata() {
        return control.serverMetadata();
    }

    @Override
    public ModelMetadataResponse modelMetadata(String model, String version) {
        return control.modelMetadata(model, version);
    }

    @Override
    public ModelConfig modelConfig(String model, String version) {
        return control.modelConfig(model, version);
    }

    @Override
    public ModelStatisticsResponse statistics(String model, String version) {
        return control.statistics(model, version);
    }

    @Override
    public RepositoryIndexResponse repositoryIndex(boolean readyOnly) {
        return control.repositoryIndex(readyOnly);
    }

    @Override
    public void loadModel(String model) {
        control.loadModel(model);
    }

    @Override
    public void unloadModel(String model) {
        control.unloadModel(model);
    }

    @Override
    public InferStream openStream(InferStream.Listener listener) {
        return control.openStream(listener);
    }

    @Override
    public void close() {
        control.close();
        inProcessServer.shutdown();
        server.close();
        try {
            inProcessServer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static InferenceRequest toCore(InferRequest r, long arrivalNanos) {
        List<Tensor> inputs = new ArrayList<>(r.inputs().size());
        for (InferTensor t : r.inputs()) {
            inputs.add(Tensor.of(t.name(), DataType.fromWireName(t.datatype()), t.shape(), t.data()));
        }
        List<String> outputs = r.outputs().stream().map(InferRequest.RequestedOutput::name).toList();
        return new InferenceRequest(r.model(), r.version(), r.id(), r.parameters(), inputs, outputs, arrivalNanos);
    }

    private static InferResult fromCore(InferenceResponse r) {
        List<InferTensor> outputs = new ArrayList<>(r.outputs().size());
        for (Tensor t : r.outputs()) {
            outputs.add(InferTensor.of(t.name(), t.dataType().wireName(), t.data(), t.shape()));
        }
        return new InferResult(r.modelName(), r.modelVersion(), r.id(), Map.of(), outputs);
    }

    /** A core error as the client's exception: the same status a remote gRPC client would see. */
    private static TensorlineException error(Throwable t) {
        InferenceException e = InferenceException.from(t);
        TensorlineException.Status status = switch (e.code().name()) {
            case "UNSUPPORTED" -> TensorlineException.Status.UNIMPLEMENTED;
            case "INVALID_ARGUMENT", "NOT_FOUND", "UNAVAILABLE", "CANCELLED", "INTERNAL", "RESOURCE_EXHAUSTED",
                    "DEADLINE_EXCEEDED" -> TensorlineException.Status.valueOf(e.code().name());
            default -> TensorlineException.Status.UNKNOWN;
        };
        return new TensorlineException(status, 0, e.getMessage(), e);
    }

    /** Settings of an embedded server; every endpoint is off unless asked for. Not thread-safe. */
    public static final class Builder {
        private Path repository;
        private final Map<String, String> flags = new LinkedHashMap<>();

        private Builder() {
            flags.put("allow-grpc", "false");
            flags.put("allow-http", "false");
            flags.put("allow-metrics", "false");
            flags.put("grpc-address", "127.0.0.1");
            flags.put("http-address", "127.0.0.1");
        }

        public Builder modelRepository(Path path) {
            this.repository = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Also serve gRPC on this port (0: any free port; see {@link Tensorline#grpcPort}). */
        public Builder grpcPort(int port) {
            return endpoint("grpc", "grpc-port", port);
        }

        public Builder httpPort(int port) {
            return endpoint("http", "http-port", port);
        }

        public Builder metricsPort(int port) {
            return endpoint("metrics", "metrics-port", port);
        }

        /** The address the endpoints bind to (default 127.0.0.1). */
        public Builder bindAddress(String address) {
            flags.put("grpc-address", address);
            flags.put("http-address", address);
            return this;
        }

        /** Refuse configs that need completing from the model ({@code --strict-model-config}). */
        public Builder strictModelConfig(boolean strict) {
            return flag("strict-model-config", Boolean.toString(strict));
        }

        /** Any other {@code tensorline serve} flag, by its name without dashes, e.g. {@code flag("exit-on-error", "false")}. */
        public Builder flag(String name, String value) {
            flags.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        private Builder endpoint(String kind, String portFlag, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(portFlag + ": " + port + " (expected: 0..65535)");
            }
            flags.put("allow-" + kind, "true");
            flags.put(portFlag, Integer.toString(port));
            return this;
        }

        /**
         * Loads the repository and starts what was asked for.
         *
         * @throws TensorlineException INVALID_ARGUMENT for bad settings, UNAVAILABLE when a model fails to load
         *         (with {@code exit-on-error}, the default) or an endpoint cannot bind
         */
        public Tensorline build() {
            if (repository == null) {
                throw new IllegalStateException("modelRepository is not set (expected: a model repository root)");
            }
            List<String> args = new ArrayList<>();
            args.add("--model-repository=" + repository);
            flags.forEach((k, v) -> args.add("--" + k + "=" + v));
            TensorlineServer server;
            try {
                Flags parsed = ServeOptions.flags(repository).parse(args.toArray(String[]::new));
                server = TensorlineServer.start(ServeOptions.from(parsed));
            } catch (Flags.UsageException e) {
                throw new TensorlineException(TensorlineException.Status.INVALID_ARGUMENT, 0, e.getMessage(), e);
            } catch (TensorlineServer.StartupException | IOException e) {
                throw new TensorlineException(TensorlineException.Status.UNAVAILABLE, 0, e.getMessage(), e);
            }
            String name = "tensorline-embedded-" + System.identityHashCode(server);
            Server inProcess;
            try {
                inProcess = InProcessServerBuilder.forName(name).directExecutor()
                        .addService(new InferenceGrpcService(server.core())).build().start();
            } catch (IOException e) {
                server.close();
                throw new TensorlineException(TensorlineException.Status.UNAVAILABLE, 0, e.getMessage(), e);
            }
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            return new Tensorline(server, inProcess, TensorlineClient.grpc(channel));
        }
    }

}
