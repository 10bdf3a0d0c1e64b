package io.tensorline.perf.transport;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** One pre-built REST infer body, posted asynchronously within the transport's connection limit. */
final class HttpInfer implements PreparedInfer {

    private final HttpClient client;
    private final ConnectionLimiter limiter;
    private final ObjectMapper mapper;
    private final URI uri;
    private final HttpInferCodec.Body body;

    HttpInfer(HttpClient client, ConnectionLimiter limiter, ObjectMapper mapper, URI uri, HttpInferCodec.Body body) {
        this.client = client;
        this.limiter = limiter;
        this.mapper = mapper;
        this.uri = uri;
        this.body = body;
    }

    @Override
    public void send(InferCallback callback) {
        // latency counts from here, so time spent waiting for a free connection is not hidden
        long startNs = System.nanoTime();
        limiter.submit(() -> post(callback, startNs));
    }

    private void post(InferCallback callback, long startNs) {
        long t0 = System.nanoTime();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.headerLength() >= 0) {
            b.header(HttpInferCodec.HEADER_LENGTH, Integer.toString(body.headerLength()));
        }
        var future = client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        long sendNs = System.nanoTime() - t0;
        future.whenComplete((response, error) -> {
            limiter.release();
            if (error != null) {
                callback.failed(startNs, System.nanoTime(), error.toString());
                return;
            }
            long r0 = System.nanoTime();
            long headerLength = response.headers().firstValueAsLong(HttpInferCodec.HEADER_LENGTH).orElse(-1);
            String problem = HttpInferCodec.check(response.statusCode(), response.body(), headerLength, mapper);
            long endNs = System.nanoTime();
            if (problem != null) {
                callback.failed(startNs, endNs, problem);
            } else {
                callback.completed(startNs, endNs, sendNs, endNs - r0);
            }
        });
    }
}
