package io.tensorline.server.net;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP connection that owes the server nothing yet does not deliver a request's headers in time: the
 * clock starts when the connection opens and again when the last outstanding response is written, and stops when
 * the next request's headers have been parsed. It covers both idle keep-alive connections and clients that send
 * their headers a byte at a time (slowloris), which would otherwise hold a connection slot for ever. A request
 * whose headers arrived is never cut off here, however long the server takes to answer it.
 *
 * <p>Sits after the HTTP codec. Event loop only.
 */
final class HeaderTimeoutHandler extends ChannelDuplexHandler {

    private final long timeoutNanos;
    /** Requests whose headers were read minus responses completely written. */
    private int outstanding;
    private ScheduledFuture<?> timer;

    HeaderTimeoutHandler(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            outstanding++;
            disarm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
            ChannelPromise p = promise.unvoid();
            p.addListener(f -> {
                outstanding--;
                if (outstanding <= 0) {
                    outstanding = 0;
                    arm(ctx);
                }
            });
            ctx.write(msg, p);
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            if (outstanding == 0) {
                ctx.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
