package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.TraceSettingRequest;
import io.tensorline.proto.TraceSettingResponse;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.trace.RequestTracing;
import io.tensorline.server.trace.TraceConfig;
import io.tensorline.server.trace.TraceConfigParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing through the real server with the SDK's in-memory exporter: the spans of sampled requests, the link to the
 * execution they shared, sampling, and the trace extension's API on both transports.
 */
class TracingTest {

    private static final int WIDTH = 4;
    private static final String PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN = "00f067aa0ba902b7";

    @TempDir
    Path repo;

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private RequestTracing tracing;
    private LiveServer live;

    @BeforeEach
    void start() throws Exception {
        SimulatedModels.write(repo, "echo", WIDTH, 0);
        // preferred_batch_size 4 and a long delay: four requests of one row run as one execution, never fewer
        SimulatedModels.write(repo, "batched", WIDTH, 8,
                "dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 60000000 }\n");
        TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 1 << 20));
        live = LiveServer.wrap(server);
        tracing = new RequestTracing(TraceConfigParser.parse(List.of("level=TIMESTAMPS", "rate=1")),
                () -> SimpleSpanProcessor.create(exporter));
        server.core().withTracing(tracing);
    }

    @AfterEach
    void stop() throws Exception {
        live.close();
        tracing.close();
    }

    @Test
    void aSampledRequestHasItsPhasesAsChildSpans() throws Exception {
        assertEquals(200, live.post("/v2/models/echo/infer", SimulatedModels.json(WIDTH, 1)).statusCode());
        SpanData request = awaitSpan(s -> s.getName().equals("InferRequest"));
        assertEquals("echo", request.getAttributes().get(AttributeKey.stringKey("model.name")));
        assertEquals("1", request.getAttributes().get(AttributeKey.stringKey("model.version")));
        assertEquals(1L, request.getAttributes().get(AttributeKey.longKey("request.batch_size")));
        assertEquals(1L, request.getAttributes().get(AttributeKey.longKey("execution.batch_size")));
        assertEquals("SUCCESS", request.getAttributes().get(AttributeKey.stringKey("outcome")));
        assertFalse(request.getParentSpanContext().isValid(), "no propagated context: a root span");
        for (String phase : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
            SpanData child = awaitSpan(s -> s.getName().equals(phase));
            assertEquals(request.getSpanId(), child.getParentSpanId(), phase);
            assertEquals(request.getTraceId(), child.getTraceId(), phase);
            assertTrue(child.getEndEpochNanos() >= child.getStartEpochNanos(), phase);
        }
        SpanData execution = awaitSpan(s -> s.getName().equals("batch_execution"));
        assertEquals(1, request.getLinks().size());
        assertEquals(execution.getSpanId(), request.getLinks().get(0).getSpanContext().getSpanId());
    }

    @Test
    void requestsBatchedTogetherLinkToTheSameExecution() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            replies.add(live.http.sendAsync(live.request("/v2/models/batched/infer").POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1," + WIDTH
                                    + "],\"data\":[1,2,3,4]}]}")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> r : replies) {
            assertEquals(200, r.get(60, TimeUnit.SECONDS).statusCode());
        }
        List<SpanData> requests = awaitSpans(s -> s.getName().equals("InferRequest"), 4);
        SpanData execution = awaitSpan(s -> s.getName().equals("batch_execution"));
        assertEquals(4L, execution.getAttributes().get(AttributeKey.longKey("execution.batch_size")));
        assertEquals(4L, execution.getAttributes().get(AttributeKey.longKey("execution.request_count")));
        for (SpanData r : requests) {
            assertEquals(execution.getSpanId(), r.getLinks().get(0).getSpanContext().getSpanId());
            assertEquals(4L, r.getAttributes().get(AttributeKey.longKey("execution.batch_size")));
        }
        assertEquals(4, requests.stream().map(SpanData::getTraceId).distinct().count(), "one trace per request");
    }

    @Test
    void aPropagatedContextIsSampledAtRateZeroOverGrpc() throws Exception {
        setGlobal("trace_rate", "0");
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + PARENT_TRACE + "-" + PARENT_SPAN + "-00");
        live.stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .modelInfer(SimulatedModels.request("echo", WIDTH, 0));
        live.stub.modelInfer(SimulatedModels.request("echo", WIDTH, 0)); // no context, rate 0: not traced
        SpanData request = awaitSpan(s -> s.getName().equals("InferRequest"));
        assertEquals(PARENT_TRACE, request.getTraceId());
        assertEquals(PARENT_SPAN, request.getParentSpanId());
        assertTrue(request.getParentSpanContext().isRemote());
        // the second request was answered before the first span is checked again: still one request span
        live.stub.modelInfer(SimulatedModels.request("echo", WIDTH, 0));
        assertEquals(1, exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals("InferRequest"))
                .count());
    }

    @Test
    void aFailedRequestEndsWithItsOutcome() throws Exception {
        HttpResponse<String> r = live.post("/v2/models/echo/infer",
                "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[4],\"data\":[1,2,3,4]}]}");
        assertEquals(400, r.statusCode());
        SpanData request = awaitSpan(s -> s.getName().equals("InferRequest"));
        assertEquals("INVALID_ARGUMENT", request.getAttributes().get(AttributeKey.stringKey("outcome")));
        assertEquals(io.opentelemetry.api.trace.StatusCode.ERROR, request.getStatus().getStatusCode());
    }

    @Test
    void traceCountStopsTracing() throws Exception {
        setGlobal("trace_count", "1");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, live.post("/v2/models/echo/infer", SimulatedModels.json(WIDTH, i)).statusCode());
        }
        awaitSpan(s -> s.getName().equals("InferRequest"));
        assertEquals(1, exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals("InferRequest"))
                .count());
    }

    @Test
    void restSettingsAnswerInTritonsShape() throws Exception {
        HttpResponse<String> r = live.http.send(live.request("/v2/trace/setting").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode s = LiveServer.JSON.readTree(r.body());
        assertEquals("TIMESTAMPS", s.get("trace_level").get(0).asText());
        assertEquals("1", s.get("trace_rate").asText());
        assertEquals("-1", s.get("trace_count").asText());
        assertEquals("opentelemetry", s.get("trace_mode").asText());
        assertEquals(TraceConfig.DEFAULT_URL, s.get("url").asText());

        JsonNode m = LiveServer.JSON.readTree(live.post("/v2/models/echo/trace/setting",
                "{\"trace_level\":[\"OFF\"],\"trace_rate\":\"5\"}").body());
        assertEquals("OFF", m.get("trace_level").get(0).asText());
        assertEquals("5", m.get("trace_rate").asText());
        JsonNode cleared = LiveServer.JSON.readTree(live.post("/v2/models/echo/trace/setting",
                "{\"trace_level\":null}").body());
        assertEquals("TIMESTAMPS", cleared.get("trace_level").get(0).asText());
        assertEquals("5", cleared.get("trace_rate").asText());
        assertEquals("1", LiveServer.JSON.readTree(live.post("/v2/trace/setting", "").body())
                .get("trace_rate").asText());
    }

    @Test
    void restRefusalsUseTritonsCodesAndWords() throws Exception {
        HttpResponse<String> r = live.post("/v2/trace/setting", "{\"trace_file\":\"/tmp/t\"}");
        assertEquals(501, r.statusCode());
        assertEquals("trace file location can not be updated through network protocol", LiveServer.error(r));
        r = live.post("/v2/trace/setting", "{\"trace_level\":[\"OFF\",\"TIMESTAMPS\"]}");
        assertEquals(400, r.statusCode());
        assertEquals("Expect only one trace level 'OFF' is specified", LiveServer.error(r));
        r = live.post("/v2/trace/setting", "{\"trace_count\":\"-3\"}");
        assertEquals("Unable to parse 'trace_count'. Expecting value >= -1, got:-3", LiveServer.error(r));
        r = live.post("/v2/models/nope/trace/setting", "{}");
        assertEquals(400, r.statusCode());
        assertEquals("Request for unknown model : nope", LiveServer.error(r));
        assertEquals(404, live.post("/v2/models/echo/versions/1/trace/setting", "{}").statusCode());
        r = live.post("/v2/trace/setting", "[1]");
        assertEquals(400, r.statusCode());
        assertEquals(200, live.post("/v2/models/echo/infer", SimulatedModels.json(WIDTH, 1)).statusCode());
    }

    @Test
    void grpcSettingsAnswerAndRefuse() {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = live.stub;
        TraceSettingResponse r = stub.traceSetting(TraceSettingRequest.newBuilder().setModelName("echo")
                .putSettings("trace_rate", value("3")).build());
        assertEquals(List.of("3"), r.getSettingsOrThrow("trace_rate").getValueList());
        assertEquals(List.of("TIMESTAMPS"), r.getSettingsOrThrow("trace_level").getValueList());
        r = stub.traceSetting(TraceSettingRequest.newBuilder().setModelName("echo")
                .putSettings("trace_rate", TraceSettingRequest.SettingValue.getDefaultInstance()).build());
        assertEquals(List.of("1"), r.getSettingsOrThrow("trace_rate").getValueList());

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.traceSetting(
                TraceSettingRequest.newBuilder().putSettings("trace_count",
                        TraceSettingRequest.SettingValue.newBuilder().addValue("1").addValue("2").build()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("expect only 1 value for 'trace_count'", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> stub.traceSetting(
                TraceSettingRequest.newBuilder().putSettings("trace_file", value("/tmp/t")).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> stub.traceSetting(
                TraceSettingRequest.newBuilder().setModelName("nope").build()));
        assertEquals("Request for unknown model : nope", e.getStatus().getDescription());
    }

    private static TraceSettingRequest.SettingValue value(String v) {
        return TraceSettingRequest.SettingValue.newBuilder().addValue(v).build();
    }

    private void setGlobal(String key, String value) {
        live.stub.traceSetting(TraceSettingRequest.newBuilder().putSettings(key, value(value)).build());
    }

    private SpanData awaitSpan(Predicate<SpanData> which) throws InterruptedException {
        return awaitSpans(which, 1).get(0);
    }

    /** Waits (at most 30 s) until {@code n} finished spans match. */
    private List<SpanData> awaitSpans(Predicate<SpanData> which, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<SpanData> found = exporter.getFinishedSpanItems().stream().filter(which).toList();
            if (found.size() >= n) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " matching spans, got " + exporter.getFinishedSpanItems());
            }
            Thread.sleep(10);
        }
    }
}
