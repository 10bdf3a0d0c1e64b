package io.tensorline.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.tensorline.engine.DataType;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.testing.FakeModelRegistry;
import io.tensorline.server.testing.ManualScheduler;
import io.tensorline.server.testing.TestModelVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection handler on an {@link EmbeddedChannel}, with a scheduler the test completes by hand: buffer
 * ownership, response order while an inference is in flight, and back-pressure, all without timing.
 */
class HttpRequestHandlerTest {

    private static final String INFER = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[2],\"datatype\":\"FP32\","
            + "\"data\":[1,2]}]}";

    private final ManualScheduler scheduler = new ManualScheduler();
    private FakeModelRegistry registry;
    private EmbeddedChannel channel;
    private final List<FullHttpRequest> sent = new ArrayList<>();

    @BeforeEach
    void setUp() {
        registry = new FakeModelRegistry().add(TestModelVersions.identityOn(scheduler, "manual", DataType.FP32, 0, 2));
        InferenceServer server = new InferenceServer(registry, RestFixture.INFO);
        channel = new EmbeddedChannel(new HttpRequestHandler(new RestApi(server, System::nanoTime)));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        registry.close();
        for (FullHttpRequest r : sent) {
            assertEquals(0, r.refCnt(), "request " + r.uri() + " was not released");
        }
    }

    private FullHttpRequest request(HttpMethod method, String uri, String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        sent.add(r);
        return r;
    }

    private FullHttpResponse response() {
        FullHttpResponse r = channel.readOutbound();
        if (r == null) {
            throw new AssertionError("no response was written");
        }
        return r;
    }

    private static String text(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void synchronousRequestsAreReleasedAndAnswered() {
        channel.writeInbound(request(HttpMethod.GET, "/v2/health/live", ""));
        channel.writeInbound(request(HttpMethod.GET, "/nowhere", ""));
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/nope/infer", INFER));
        assertEquals(200, response().status().code());
        FullHttpResponse notFound = response();
        assertEquals(404, notFound.status().code());
        assertEquals("{\"error\":\"Not Found\"}", text(notFound));
        FullHttpResponse unknownModel = response();
        assertEquals(404, unknownModel.status().code());
        assertTrue(text(unknownModel).contains("Request for unknown model: 'nope' is not found"));
    }

    @Test
    void inferBodyIsReleasedBeforeTheInferenceCompletes() {
        FullHttpRequest infer = request(HttpMethod.POST, "/v2/models/manual/infer", INFER);
        channel.writeInbound(infer);
        assertEquals(0, infer.refCnt());
        assertNull(channel.readOutbound());
        scheduler.next().echo();
        channel.runPendingTasks();
        FullHttpResponse r = response();
        assertEquals(200, r.status().code());
        assertTrue(text(r).contains("\"data\":[1.0,2.0]"));
    }

    @Test
    void laterRequestsWaitForTheInferenceInFlight() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/manual/infer", INFER));
        channel.writeInbound(request(HttpMethod.GET, "/v2/health/live", ""));
        channel.writeInbound(request(HttpMethod.GET, "/v2", ""));
        assertNull(channel.readOutbound(), "nothing may overtake the inference");
        scheduler.next().echo();
        channel.runPendingTasks();
        assertTrue(text(response()).contains("\"model_name\":\"manual\""));
        assertEquals(200, response().status().code());
        assertTrue(text(response()).contains("\"name\":\"triton\""));
        assertNull(channel.readOutbound());
    }

    @Test
    void twoInferencesInARowAnswerInOrder() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/manual/infer", INFER.replace("[1,2]", "[1,1]")));
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/manual/infer", INFER.replace("[1,2]", "[2,2]")));
        ManualScheduler.Submitted first = scheduler.next();
        assertTrue(scheduler.idle(), "the second request is not decoded while the first is in flight");
        first.echo();
        channel.runPendingTasks();
        assertTrue(text(response()).contains("[1.0,1.0]"));
        scheduler.next().echo();
        channel.runPendingTasks();
        assertTrue(text(response()).contains("[2.0,2.0]"));
    }

    @Test
    void readingPausesWhenTooManyRequestsQueueUp() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/manual/infer", INFER));
        for (int i = 0; i < 16; i++) {
            channel.writeInbound(request(HttpMethod.GET, "/v2/health/live", ""));
        }
        assertFalse(channel.config().isAutoRead());
        scheduler.next().echo();
        channel.runPendingTasks();
        assertTrue(channel.config().isAutoRead());
        for (int i = 0; i < 17; i++) {
            response().release();
        }
    }

    @Test
    void replyToAClosedConnectionIsDropped() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/manual/infer", INFER));
        channel.writeInbound(request(HttpMethod.GET, "/v2/health/live", ""));
        channel.close();
        scheduler.next().echo();
        channel.runPendingTasks();
        assertNull(channel.readOutbound());
    }

    @Test
    void engineFailureOfAnInferenceInFlightBecomes500() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/models/manual/infer", INFER));
        scheduler.next().reply().completeExceptionally(new IllegalStateException("kaput"));
        channel.runPendingTasks();
        FullHttpResponse r = response();
        assertEquals(500, r.status().code());
        assertEquals("{\"error\":\"kaput\"}", text(r));
    }
}
