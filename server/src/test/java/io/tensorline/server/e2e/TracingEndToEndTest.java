package io.tensorline.server.e2e;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.logging.LogSettings;
import io.tensorline.server.trace.TraceConfigParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The server started as {@code --trace-config} configures it, exporting over OTLP/HTTP (the SDK's exporter) to a
 * receiver in the test that decodes each {@code ExportTraceServiceRequest}: the propagated trace ids, the
 * attributes and the resource arrive as sent.
 */
class TracingEndToEndTest {

    private static final int WIDTH = 4;
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path repo;

    private HttpServer receiver;
    private final List<ResourceSpans> received = new ArrayList<>();
    private LiveServer live;
    private volatile Throwable receiverFailure;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            try (exchange) {
                if (!exchange.getRequestMethod().equals("POST")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                ExportTraceServiceRequest export;
                try {
                    export = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody());
                } catch (IOException | RuntimeException | Error e) {
                    receiverFailure = e;
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                synchronized (received) {
                    received.addAll(export.getResourceSpansList());
                }
                byte[] body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                exchange.getResponseBody().write(body);
            }
        });
        receiver.start();
        SimulatedModels.write(repo, "echo", WIDTH, 0);
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces";
        TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 1 << 20),
                LogSettings.defaults(), NetworkOptions.defaults(), TraceConfigParser.parse(List.of(
                        "mode=opentelemetry", "level=TIMESTAMPS", "rate=1", "opentelemetry,url=" + url,
                        "opentelemetry,resource=service.name=tracing-e2e", "opentelemetry,bsp_schedule_delay=20")));
        live = LiveServer.wrap(server);
    }

    @AfterEach
    void stop() throws Exception {
        if (live != null) {
            live.close();
        }
        receiver.stop(0);
    }

    @Test
    void exportsRequestSpansWithTheirPropagatedTraceIds() throws Exception {
        String restTrace = "0af7651916cd43dd8448eb211c80319c";
        String restParent = "b7ad6b7169203331";
        HttpResponse<String> r = live.http.send(live.request("/v2/models/echo/infer")
                .header("traceparent", "00-" + restTrace + "-" + restParent + "-01")
                .header("tracestate", "vendor=1")
                .POST(HttpRequest.BodyPublishers.ofString(SimulatedModels.json(WIDTH, 1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());

        String grpcTrace = "5b8efff798038103d269b633813fc60c";
        String grpcParent = "eee19b7ec3c1b174";
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + grpcTrace + "-" + grpcParent + "-01");
        live.stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .modelInfer(SimulatedModels.request("echo", WIDTH, 0));

        for (String[] sent : List.of(new String[] {restTrace, restParent}, new String[] {grpcTrace, grpcParent})) {
            Span request = await(s -> s.getName().equals("InferRequest") && hex(s.getTraceId()).equals(sent[0]));
            assertEquals(sent[1], hex(request.getParentSpanId()));
            Map<String, AnyValue> a = attributes(request);
            assertEquals("echo", a.get("model.name").getStringValue());
            assertEquals("1", a.get("model.version").getStringValue());
            assertEquals(1, a.get("request.batch_size").getIntValue());
            assertEquals(1, a.get("execution.batch_size").getIntValue());
            assertEquals("SUCCESS", a.get("outcome").getStringValue());
            assertEquals(Span.SpanKind.SPAN_KIND_SERVER, request.getKind());
            for (String phase : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
                Span child = await(s -> s.getName().equals(phase) && hex(s.getTraceId()).equals(sent[0]));
                assertEquals(hex(request.getSpanId()), hex(child.getParentSpanId()), phase);
            }
            assertEquals(1, request.getLinksCount());
            String executionId = hex(request.getLinks(0).getSpanId());
            Span execution = await(s -> s.getName().equals("batch_execution") && hex(s.getSpanId()).equals(executionId));
            assertEquals(1, attributes(execution).get("execution.request_count").getIntValue());
        }
        synchronized (received) {
            for (ResourceSpans rs : received) {
                assertEquals("tracing-e2e", rs.getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("service.name")).findFirst().orElseThrow()
                        .getValue().getStringValue());
            }
        }
    }

    @Test
    void tracingTurnedOnThroughTheApiExports() throws Exception {
        HttpResponse<String> r = live.post("/v2/trace/setting", "{\"trace_level\":[\"OFF\"]}");
        assertEquals(200, r.statusCode());
        assertEquals(200, live.post("/v2/models/echo/infer", SimulatedModels.json(WIDTH, 1)).statusCode());
        r = live.post("/v2/models/echo/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"]}");
        assertEquals("TIMESTAMPS", LiveServer.JSON.readTree(r.body()).get("trace_level").get(0).asText());
        assertEquals(200, live.post("/v2/models/echo/infer", SimulatedModels.json(WIDTH, 2)).statusCode());
        Span request = await(s -> s.getName().equals("InferRequest"));
        assertEquals("echo", attributes(request).get("model.name").getStringValue());
        assertEquals(1, spans(s -> s.getName().equals("InferRequest")).size(), "the request sent while OFF is "
                + "not traced");
    }

    private static String hex(com.google.protobuf.ByteString b) {
        return HEX.formatHex(b.toByteArray());
    }

    private static Map<String, AnyValue> attributes(Span s) {
        Map<String, AnyValue> out = new java.util.HashMap<>();
        for (KeyValue kv : s.getAttributesList()) {
            out.put(kv.getKey(), kv.getValue());
        }
        return out;
    }

    private List<Span> spans(Predicate<Span> which) {
        List<Span> out = new ArrayList<>();
        synchronized (received) {
            for (ResourceSpans rs : received) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    ss.getSpansList().stream().filter(which).forEach(out::add);
                }
            }
        }
        return out;
    }

    /** The first span received that matches, waiting at most 30 s for the exporter. */
    private Span await(Predicate<Span> which) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<Span> found = spans(which);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            if (receiverFailure != null) {
                throw new AssertionError("the receiver could not decode an export", receiverFailure);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching span among " + spans(s -> true).size() + " received");
            }
            Thread.sleep(10);
        }
    }
}
