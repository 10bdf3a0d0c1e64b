package io.tensorline.server.net;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HeaderTimeoutHandler} on an embedded channel, whose clock the test moves. */
class HeaderTimeoutTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new HttpServerCodec(), new HeaderTimeoutHandler(TIMEOUT));
        return ch;
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Test
    void aConnectionThatSendsHeadersTooSlowlyIsClosed() {
        EmbeddedChannel ch = channel();
        send(ch, "GET /metrics HTTP/1.1\r\nHo");
        ch.advanceTimeBy(TIMEOUT - 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        send(ch, "s");
        ch.advanceTimeBy(2, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void aRequestWaitingForItsAnswerIsNotCutOff() {
        EmbeddedChannel ch = channel();
        send(ch, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        ch.advanceTimeBy(TIMEOUT * 5, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER));
        // answered: the clock starts again for the next request
        ch.advanceTimeBy(TIMEOUT, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }
}
