package io.tensorline.perf.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * REST (KServe v2 HTTP/JSON, optionally with the binary tensor extension) over {@link HttpClient} with HTTP/1.1.
 * Replies are handled on a small pool of threads this transport owns; at most {@code maxConnections} requests are
 * in flight, so at most that many connections are open.
 */
public final class HttpTransport implements Transport {

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private final String base;
    private final boolean binary;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ConnectionLimiter limiter;
    private final ObjectMapper mapper = new ObjectMapper();

    public HttpTransport(String target, boolean binary, int maxConnections, int replyThreads) {
        this.base = "http://" + target;
        this.binary = binary;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(replyThreads, r -> {
            Thread t = new Thread(r, "perf-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(executor)
                .build();
        this.limiter = new ConnectionLimiter(maxConnections);
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
            throw new PerfException("GET " + base + path + "/config: " + HttpInferCodec.check(status, config.body(), -1, mapper));
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
        URI uri = URI.create(base + modelPath(model, version) + "/infer");
        return new HttpInfer(client, limiter, mapper, uri, HttpInferCodec.encode(inputs, binary));
    }

    private static String modelPath(String model, String version) {
        String path = "/v2/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20");
        return version.isEmpty() ? path : path + "/versions/" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }

    private JsonNode get(String path, String what) throws PerfException {
        HttpResponse<byte[]> r = request(path);
        if (r.statusCode() != 200) {
            throw new PerfException("GET " + base + path + " (" + what + "): "
                    + HttpInferCodec.check(r.statusCode(), r.body(), -1, mapper));
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
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
