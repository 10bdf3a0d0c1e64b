package io.tensorline.perf.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorline.client.InferCodec;
import io.tensorline.perf.PerfException;
import io.tensorline.perf.input.InputSet;
import io.tensorline.perf.model.ModelInfo;
import io.tensorline.perf.model.ServerInfo;
import io.tensorline.perf.model.ServerStats;
import io.tensorline.perf.model.TensorMeta;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * REST (KServe v2 HTTP/JSON, optionally with the binary tensor extension). Inference goes over a lean Netty
 * HTTP/1.1 client ({@link NettyHttpClient}: keep-alive connections, at most {@code maxConnections} requests and so
 * connections at once, pre-built request bytes); the metadata, configuration and statistics calls, which are off the
 * hot path, use {@link HttpClient}.
 */
public final class HttpTransport implements Transport {

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_IO_THREADS = 2;

    private final String base;
    private final boolean binary;
    private final ExecutorService executor;
    private final HttpClient client;
    private final NettyHttpClient infer;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param target         {@code HOST:PORT} ({@code [V6]:PORT} for an IPv6 literal)
     * @param maxConnections the most infer requests, and so connections, at once
     * @param ioThreads      event loop threads for inference, at most {@value #MAX_IO_THREADS}
     */
    public HttpTransport(String target, boolean binary, int maxConnections, int ioThreads) {
        this.base = "http://" + target;
        this.binary = binary;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "perf-http-metadata");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(executor)
                .build();
        int colon = target.lastIndexOf(':');
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(target.substring(colon + 1));
        int threads = Math.max(1, Math.min(MAX_IO_THREADS, Math.min(ioThreads, maxConnections)));
        this.infer = new NettyHttpClient(host, port, maxConnections, threads);
    }

    @Override
    public ServerInfo serverMetadata() throws PerfException {
        JsonNode r = get("/v2", "server metadata");
        List<String> extensions = new ArrayList<>();
        r.path("extensions").forEach(e -> extensions.add(e.asText()));
        return new ServerInfo(r.path("name").asText(), r.path("version").asText(), extensions);
    }

    @Override
    public ModelInfo modelInfo(String model, String version) throws PerfException {
        String path = modelPath(model, version);
        JsonNode meta = get(path, "metadata of model '" + model + "'");
        int maxBatchSize = 0;
        boolean configAvailable = true;
        HttpResponse<byte[]> config = request(path + "/config");
        int status = config.statusCode();
        if (status == 200) {
            maxBatchSize = json(config, path + "/config").path("max_batch_size").asInt(0);
        } else if (status == 404 || status == 405 || status == 501) {
            configAvailable = false;
        } else {
            throw new PerfException("GET " + base + path + "/config: " + HttpReplyCheck.check(status, config.body(), -1, mapper));
        }
        List<String> versions = new ArrayList<>();
        meta.path("versions").forEach(v -> versions.add(v.asText()));
        return new ModelInfo(meta.path("name").asText(model), versions, meta.path("platform").asText(""),
                tensors(meta.path("inputs")), tensors(meta.path("outputs")), maxBatchSize, configAvailable);
    }

    private static List<TensorMeta> tensors(JsonNode list) {
        List<TensorMeta> out = new ArrayList<>();
        for (JsonNode t : list) {
            long[] shape = new long[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.path("shape").get(i).asLong();
            }
            out.add(new TensorMeta(t.path("name").asText(), t.path("datatype").asText(), shape));
        }
        return out;
    }

    @Override
    public ServerStats modelStatistics(String model, String version) throws PerfException {
        JsonNode stats = get(modelPath(model, version) + "/stats", "statistics of model '" + model + "'").path("model_stats");
        List<String> names = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        stats.forEach(s -> {
            names.add(s.path("name").asText());
            versions.add(s.path("version").asText());
        });
        int i = StatsVersion.pick(names, versions, model, version);
        if (i < 0) {
            throw new PerfException("GET " + base + modelPath(model, version) + "/stats has no entry for model '"
                    + model + "'" + (version.isEmpty() ? "" : " version " + version));
        }
        JsonNode s = stats.get(i);
        JsonNode is = s.path("inference_stats");
        return new ServerStats(s.path("inference_count").asLong(), s.path("execution_count").asLong(),
                is.path("success").path("count").asLong(), is.path("success").path("ns").asLong(),
                is.path("queue").path("count").asLong(), is.path("queue").path("ns").asLong(),
                is.path("compute_input").path("count").asLong(), is.path("compute_input").path("ns").asLong(),
                is.path("compute_infer").path("count").asLong(), is.path("compute_infer").path("ns").asLong(),
                is.path("compute_output").path("count").asLong(), is.path("compute_output").path("ns").asLong());
    }

    @Override
    public PreparedInfer prepare(String model, String version, InputSet inputs) throws PerfException {
        return HttpInfer.build(infer, modelPath(model, version) + "/infer", body(inputs, binary));
    }

    /** The infer body, encoded once by the client's codec (FP16 and BF16 inputs go binary even without binary). */
    static InferCodec.RestBody body(InputSet inputs, boolean binary) {
        return InferCodec.toRest(inputs.request("", ""), binary);
    }

    private static String modelPath(String model, String version) {
        String path = "/v2/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20");
        return version.isEmpty() ? path : path + "/versions/" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }

    private JsonNode get(String path, String what) throws PerfException {
        HttpResponse<byte[]> r = request(path);
        if (r.statusCode() != 200) {
            throw new PerfException("GET " + base + path + " (" + what + "): "
                    + HttpReplyCheck.check(r.statusCode(), r.body(), -1, mapper));
        }
        return json(r, path);
    }

    private JsonNode json(HttpResponse<byte[]> r, String path) throws PerfException {
        try {
            return mapper.readTree(r.body());
        } catch (IOException e) {
            throw new PerfException("GET " + base + path + ": reply is not JSON (" + e.getMessage() + ")", e);
        }
    }

    private HttpResponse<byte[]> request(String path) throws PerfException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(METADATA_TIMEOUT).GET().build();
        try {
            return client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new PerfException("GET " + base + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PerfException("GET " + base + path + " was interrupted", e);
        }
    }

    @Override
    public void close() {
        infer.close();
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
