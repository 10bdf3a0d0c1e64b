package io.tensorline.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorline.engine.DataType;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.RequestValidator;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.repository.ModelRegistry;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.TestModelVersions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real {@link HttpFrontend} on an ephemeral port over a registry, with a real {@link HttpClient} and small helpers
 * for requests. Close it to stop the frontend and the registry's scheduler threads.
 */
final class RestFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ServerInfo INFO = new ServerInfo("triton", "0.1.0-test",
            List.of("binary_tensor_data", "model_repository", "model_configuration"));

    /** The types of the {@code identity_<type>} models of {@link #standardRegistry()}. */
    static final List<DataType> IDENTITY_TYPES = List.of(DataType.BOOL, DataType.INT8, DataType.INT16,
            DataType.INT32, DataType.INT64, DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT64,
            DataType.FP16, DataType.BF16, DataType.FP32, DataType.FP64, DataType.BYTES);

    final ModelRegistry registry;
    final InferenceServer server;
    final HttpFrontend frontend;
    final HttpClient client;
    final String base;

    RestFixture(ModelRegistry registry, HttpFrontend.Options options) {
        this.registry = registry;
        this.server = new InferenceServer(registry, INFO);
        this.frontend = new HttpFrontend(server, options);
        try {
            frontend.start("127.0.0.1", 0);
        } catch (IOException e) {
            registry.close();
            throw new UncheckedIOException(e);
        }
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.base = "http://127.0.0.1:" + frontend.port();
    }

    /** The standard fixture: {@link #standardRegistry()} with small worker count and default body limit. */
    static RestFixture standard() {
        return new RestFixture(standardRegistry(), HttpFrontend.Options.defaults().withWorkerThreads(2));
    }

    /**
     * <ul>
     * <li>{@code identity_<type>} for each of {@link #IDENTITY_TYPES}: max_batch_size 8, dims [-1]</li>
     * <li>{@code add_sub} versions 1 and 3: FP32 [4] + [4], max_batch_size 8</li>
     * <li>{@code nobatch}: identity FP32 with dims [2,3], max_batch_size 0</li>
     * <li>{@code failing}: FP32 [-1], every execution fails in the engine</li>
     * <li>{@code broken}: exists but failed to load</li>
     * </ul>
     */
    static FakeModelRegistry standardRegistry() {
        FakeModelRegistry r = new FakeModelRegistry();
        for (DataType t : IDENTITY_TYPES) {
            r.add(TestModelVersions.identity(identityModel(t), 1, t, 8, -1));
        }
        r.add(TestModelVersions.withParameters(TestModelVersions.identity("identity_empty_ok", 1, DataType.FP32, 8, -1),
                Map.of(RequestValidator.ALLOW_EMPTY_TENSORS, "true")));
        r.add(TestModelVersions.addSub("add_sub", 1, 8, 4));
        r.add(TestModelVersions.addSub("add_sub", 3, 8, 4));
        r.add(TestModelVersions.identity("nobatch", 1, DataType.FP32, 0, 2, 3));
        r.add(TestModelVersions.failing("failing", DataType.FP32, "engine exploded", -1));
        r.addUnavailable("broken", "model.onnx is not a valid ONNX file");
        return r;
    }

    static String identityModel(DataType t) {
        return "identity_" + t.name().toLowerCase(java.util.Locale.ROOT);
    }

    HttpResponse<byte[]> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    HttpResponse<byte[]> post(String path, String json) {
        return post(path, json.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + new String(r.body(), StandardCharsets.UTF_8), e);
        }
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** The {@code error} message of an error reply. */
    static String error(HttpResponse<byte[]> r) {
        JsonNode e = json(r).get("error");
        if (e == null) {
            throw new AssertionError("no 'error' in " + text(r));
        }
        return e.asText();
    }

    @Override
    public void close() {
        frontend.close();
        registry.close();
    }
}
