package io.tensorline.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.ServerMetadataResponse;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** {@link TensorlineClient} over REST with the JDK's HttpClient (HTTP/1.1 keep-alive). */
final class HttpTensorlineClient implements TensorlineClient {

    private static final String HEADER_LENGTH = InferCodec.HEADER_CONTENT_LENGTH;
    private static final JsonFormat.Parser PROTO_JSON = JsonFormat.parser().ignoringUnknownFields();

    private final HttpClient http;
    private final String base;
    private final Duration defaultDeadline;
    private final boolean binary;

    private HttpTensorlineClient(HttpClient http, String base, Duration defaultDeadline, boolean binary) {
        this.http = http;
        this.base = base;
        this.defaultDeadline = defaultDeadline;
        this.binary = binary;
    }

    static HttpTensorlineClient create(ClientBuilder b) {
        String base = b.target.endsWith("/") ? b.target.substring(0, b.target.length() - 1) : b.target;
        if (!base.startsWith("http://") && !base.startsWith("https://")) {
            base = (b.tls ? "https://" : "http://") + base;
        }
        HttpClient.Builder hb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (b.sslContext != null) {
            hb.sslContext(b.sslContext);
        } else if (b.trustCertificates != null) {
            hb.sslContext(trusting(b.trustCertificates));
        }
        return new HttpTensorlineClient(hb.build(), base, b.defaultDeadline, b.binary);
    }

    @Override
    public boolean isServerLive() {
        return status(get("/v2/health/live"));
    }

    @Override
    public boolean isServerReady() {
        return status(get("/v2/health/ready"));
    }

    @Override
    public boolean isModelReady(String model, String version) {
        return status(get(modelPath(model, version) + "/ready"));
    }

    @Override
    public ServerMetadataResponse serverMetadata() {
        return proto(ok(get("/v2")), ServerMetadataResponse.newBuilder());
    }

    @Override
    public ModelMetadataResponse modelMetadata(String model, String version) {
        return proto(ok(get(modelPath(model, version))), ModelMetadataResponse.newBuilder());
    }

    @Override
    public ModelConfig modelConfig(String model, String version) {
        return proto(ok(get(modelPath(model, version) + "/config")), ModelConfig.newBuilder());
    }

    @Override
    public ModelStatisticsResponse statistics(String model, String version) {
        String path = model.isEmpty() ? "/v2/models/stats" : modelPath(model, version) + "/stats";
        return proto(ok(get(path)), ModelStatisticsResponse.newBuilder());
    }

    @Override
    public RepositoryIndexResponse repositoryIndex(boolean readyOnly) {
        String body = ok(post("/v2/repository/index", "{\"ready\":" + readyOnly + "}"));
        return proto("{\"models\":" + body + "}", RepositoryIndexResponse.newBuilder());
    }

    @Override
    public void loadModel(String model) {
        ok(post("/v2/repository/models/" + encode(model) + "/load", "{}"));
    }

    @Override
    public void unloadModel(String model) {
        ok(post("/v2/repository/models/" + encode(model) + "/unload", "{}"));
    }

    @Override
    public InferResult infer(InferRequest request) {
        HttpRequest req = inferRequest(request);
        HttpResponse<byte[]> reply;
        try {
            reply = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw error(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TensorlineException(TensorlineException.Status.CANCELLED, 0, "interrupted", e);
        }
        return inferReply(reply);
    }

    @Override
    public CompletableFuture<InferResult> inferAsync(InferRequest request) {
        HttpRequest req;
        try {
            req = inferRequest(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
        CompletableFuture<InferResult> result = new CompletableFuture<>();
        sent.whenComplete((reply, e) -> {
            if (e != null) {
                result.completeExceptionally(error(e));
                return;
            }
            try {
                result.complete(inferReply(reply));
            } catch (RuntimeException ex) {
                result.completeExceptionally(ex);
            }
        });
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                sent.cancel(true);
            }
        });
        return result;
    }

    @Override
    public InferStream openStream(InferStream.Listener listener) {
        throw new TensorlineException(TensorlineException.Status.UNIMPLEMENTED,
                "streaming inference (ModelStreamInfer) is gRPC only (expected: a client from TensorlineClient.grpc)");
    }

    @Override
    public void close() {
        // the JDK client has no close before Java 21; its idle connections end with it
    }

    private HttpRequest inferRequest(InferRequest request) {
        InferCodec.RestBody body = RestCodec.encode(request, binary);
        String path = modelPath(request.model(), request.version()) + "/infer";
        HttpRequest.Builder b = builder(path, request.deadline())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.jsonLength() >= 0) {
            b.header(HEADER_LENGTH, Integer.toString(body.jsonLength()));
        }
        b.header("Content-Type", body.contentType());
        return b.build();
    }

    private static InferResult inferReply(HttpResponse<byte[]> reply) {
        if (reply.statusCode() != 200) {
            throw httpError(reply.statusCode(), new String(reply.body(), StandardCharsets.UTF_8));
        }
        int jsonLength = reply.headers().firstValue(HEADER_LENGTH).map(Integer::parseInt).orElse(-1);
        try {
            return RestCodec.decode(reply.body(), jsonLength);
        } catch (JsonParseException | IllegalStateException | IllegalArgumentException e) {
            throw new TensorlineException(TensorlineException.Status.INTERNAL, 200,
                    "cannot read the infer reply: " + e.getMessage(), e);
        }
    }

    private HttpRequest.Builder builder(String path, Duration deadline) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        Duration d = deadline != null ? deadline : defaultDeadline;
        if (d != null) {
            b.timeout(d);
        }
        return b;
    }

    private HttpResponse<String> get(String path) {
        return send(builder(path, null).GET().build());
    }

    private HttpResponse<String> post(String path, String json) {
        return send(builder(path, null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw error(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TensorlineException(TensorlineException.Status.CANCELLED, 0, "interrupted", e);
        }
    }

    /** Health endpoints answer 200 or 400 with no body; anything else (404 for an unknown model) is an error. */
    private static boolean status(HttpResponse<String> r) {
        if (r.statusCode() == 200) {
            return true;
        }
        if (r.statusCode() == 400 && r.body().isBlank()) {
            return false;
        }
        throw httpError(r.statusCode(), r.body());
    }

    private static String ok(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw httpError(r.statusCode(), r.body());
        }
        return r.body();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Message> T proto(String json, Message.Builder builder) {
        try {
            PROTO_JSON.merge(json, builder);
            return (T) builder.build();
        } catch (InvalidProtocolBufferException e) {
            throw new TensorlineException(TensorlineException.Status.INTERNAL, 200,
                    "cannot read the reply as " + builder.getDescriptorForType().getName() + ": " + e.getMessage(), e);
        }
    }

    /** An error reply: the server's {@code {"error": "..."}} message when it sent one, else the body. */
    static TensorlineException httpError(int code, String body) {
        String message = body;
        try {
            JsonElement e = JsonParser.parseString(body);
            if (e.isJsonObject()) {
                JsonObject o = e.getAsJsonObject();
                if (o.has("error")) {
                    message = o.get("error").getAsString();
                }
            }
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException ignored) {
            // not JSON: keep the body as it is
        }
        return new TensorlineException(TensorlineException.Status.fromHttp(code), code, message, null);
    }

    private static TensorlineException error(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof TensorlineException te) {
            return te;
        }
        if (cause instanceof HttpTimeoutException) {
            return new TensorlineException(TensorlineException.Status.DEADLINE_EXCEEDED, 0,
                    "no reply within the deadline: " + cause.getMessage(), cause);
        }
        if (cause instanceof CancellationException) {
            return new TensorlineException(TensorlineException.Status.CANCELLED, 0, "cancelled", cause);
        }
        if (cause instanceof ConnectException || cause instanceof IOException) {
            return new TensorlineException(TensorlineException.Status.UNAVAILABLE, 0, String.valueOf(cause), cause);
        }
        return new TensorlineException(TensorlineException.Status.INTERNAL, 0, String.valueOf(cause), cause);
    }

    private static String modelPath(String model, String version) {
        return "/v2/models/" + encode(model) + (version.isEmpty() ? "" : "/versions/" + encode(version));
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static SSLContext trusting(java.nio.file.Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read trust certificates " + pem + ": " + e, e);
        }
    }
}
