package io.tensorline.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny in-test KServe v2 REST server (the JDK's HttpServer) on an ephemeral port: model "echo" as in
 * {@link TestGrpcServer}, with the statistics extension, answering binary requests with binary outputs and JSON
 * requests with JSON data.
 */
final class TestHttpServer implements AutoCloseable {

    final AtomicLong inferences = new AtomicLong();
    final AtomicLong binaryRequests = new AtomicLong();
    final AtomicLong jsonRequests = new AtomicLong();
    private final ObjectMapper mapper = new ObjectMapper();
    private final ExecutorService executor;
    private final HttpServer server;

    TestHttpServer() throws IOException {
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> new Thread(r, "test-http-" + n.incrementAndGet()));
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            byte[] body = ex.getRequestBody().readAllBytes();
            switch (path) {
                case "/v2" -> json(ex, "{\"name\":\"test-http\",\"version\":\"1\",\"extensions\":[\"binary_tensor_data\","
                        + "\"statistics\"]}");
                case "/v2/models/echo" -> json(ex, "{\"name\":\"echo\",\"versions\":[\"1\"],\"platform\":\"test\","
                        + "\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,16]}],"
                        + "\"outputs\":[{\"name\":\"OUTPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,16]}]}");
                case "/v2/models/echo/config" -> json(ex, "{\"name\":\"echo\",\"max_batch_size\":8}");
                case "/v2/models/echo/stats" -> json(ex, stats(inferences.get()));
                case "/v2/models/echo/infer" -> infer(ex, body);
                default -> reply(ex, 404, "application/json", "{\"error\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8), -1);
            }
        }
    }

    private static String stats(long n) {
        return "{\"model_stats\":[{\"name\":\"echo\",\"version\":\"1\",\"inference_count\":" + n + ",\"execution_count\":"
                + n + ",\"inference_stats\":{\"success\":" + d(n, TestGrpcServer.REQUEST_NS) + ",\"queue\":"
                + d(n, TestGrpcServer.QUEUE_NS) + ",\"compute_input\":" + d(n, TestGrpcServer.COMPUTE_INPUT_NS)
                + ",\"compute_infer\":" + d(n, TestGrpcServer.COMPUTE_INFER_NS) + ",\"compute_output\":"
                + d(n, TestGrpcServer.COMPUTE_OUTPUT_NS) + "}}]}";
    }

    private static String d(long n, long nsEach) {
        return "{\"count\":" + n + ",\"ns\":" + n * nsEach + "}";
    }

    private void infer(HttpExchange ex, byte[] body) throws IOException {
        String headerLength = ex.getRequestHeaders().getFirst("Inference-Header-Content-Length");
        int jsonLength = headerLength == null ? body.length : Integer.parseInt(headerLength);
        JsonNode request = mapper.readTree(Arrays.copyOf(body, jsonLength));
        JsonNode input = request.path("inputs").get(0);
        ObjectNode reply = mapper.createObjectNode().put("model_name", "echo").put("model_version", "1");
        ObjectNode out = reply.putArray("outputs").addObject().put("name", "OUTPUT0").put("datatype", "FP32");
        out.set("shape", input.get("shape"));
        inferences.incrementAndGet();
        if (headerLength == null) {
            jsonRequests.incrementAndGet();
            out.set("data", (ArrayNode) input.get("data"));
            json(ex, mapper.writeValueAsString(reply));
            return;
        }
        binaryRequests.incrementAndGet();
        int raw = body.length - jsonLength;
        if (input.at("/parameters/binary_data_size").asInt() != raw) {
            reply(ex, 400, "application/json", "{\"error\":\"binary_data_size does not match the body\"}"
                    .getBytes(StandardCharsets.UTF_8), -1);
            return;
        }
        out.putObject("parameters").put("binary_data_size", raw);
        byte[] header = mapper.writeValueAsBytes(reply);
        byte[] all = Arrays.copyOf(header, header.length + raw);
        System.arraycopy(body, jsonLength, all, header.length, raw);
        reply(ex, 200, "application/octet-stream", all, header.length);
    }

    private static void json(HttpExchange ex, String body) throws IOException {
        reply(ex, 200, "application/json", body.getBytes(StandardCharsets.UTF_8), -1);
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body, int headerLength) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if (headerLength >= 0) {
            ex.getResponseHeaders().set("Inference-Header-Content-Length", Integer.toString(headerLength));
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }
}
