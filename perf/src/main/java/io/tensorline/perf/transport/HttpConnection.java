package io.tensorline.perf.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.tensorline.client.InferCodec;

import java.io.IOException;

/**
 * One keep-alive HTTP/1.1 connection and the request in flight on it (at most one: no pipelining). Every method
 * runs on the channel's event loop. A connection the server closes before replying is retried once on a new
 * connection; a second loss fails the request.
 */
final class HttpConnection extends SimpleChannelInboundHandler<FullHttpResponse> {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final NettyHttpClient client;
    private final Channel channel;
    private NettyHttpClient.Exchange current;
    private Throwable failure;

    HttpConnection(NettyHttpClient client, Channel channel) {
        this.client = client;
        this.channel = channel;
    }

    boolean isActive() {
        return channel.isActive();
    }

    /** Sends {@code exchange} on this connection (from any thread; the write itself happens on the event loop). */
    void write(NettyHttpClient.Exchange exchange) {
        if (channel.eventLoop().inEventLoop()) {
            doWrite(exchange);
        } else {
            channel.eventLoop().execute(() -> doWrite(exchange));
        }
    }

    private void doWrite(NettyHttpClient.Exchange exchange) {
        if (!channel.isActive()) {
            lost(exchange);
            return;
        }
        current = exchange;
        long t0 = System.nanoTime();
        // the pre-built bytes go straight to the socket, past the codec's encoder: nothing is re-encoded
        channel.pipeline().context("codec").writeAndFlush(exchange.request.retainedDuplicate(), channel.voidPromise());
        exchange.sendNs = System.nanoTime() - t0;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        NettyHttpClient.Exchange exchange = current;
        current = null;
        if (exchange == null) {
            failure = new IOException("a reply arrived with no request in flight (HTTP " + response.status() + ")");
            ctx.close();
            return;
        }
        long r0 = System.nanoTime();
        String problem;
        boolean reusable;
        if (response.decoderResult().isFailure()) {
            problem = "malformed HTTP reply from " + client.authority() + ": " + response.decoderResult().cause();
            reusable = false;
        } else {
            Integer headerLength = response.headers().getInt(InferCodec.HEADER_CONTENT_LENGTH);
            byte[] body = ByteBufUtil.getBytes(response.content());
            problem = HttpReplyCheck.check(response.status().code(), body, headerLength == null ? -1 : headerLength,
                    MAPPER);
            reusable = HttpUtil.isKeepAlive(response);
        }
        long endNs = System.nanoTime();
        if (!reusable) {
            ctx.close();
        }
        client.replied(this, reusable);
        if (problem != null) {
            exchange.callback.failed(exchange.startNs, endNs, problem);
        } else {
            exchange.callback.completed(exchange.startNs, endNs, exchange.sendNs, endNs - r0);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        NettyHttpClient.Exchange exchange = current;
        current = null;
        if (exchange != null) {
            lost(exchange);
        }
        super.channelInactive(ctx);
    }

    /** The connection closed with {@code exchange} unanswered: one reconnect when the server closed it, else fail. */
    private void lost(NettyHttpClient.Exchange exchange) {
        boolean closedByPeer = failure == null || failure instanceof IOException;
        if (client.isClosed()) {
            client.finish(exchange, "the HTTP transport was closed while " + exchange.what + " was in flight");
        } else if (closedByPeer && !exchange.reconnected) {
            exchange.reconnected = true;
            client.connect(exchange);
        } else {
            client.finish(exchange, "the connection to " + client.authority() + " closed before the reply to "
                    + exchange.what + (failure == null ? " (closed by the server)" : " (" + failure + ")")
                    + (exchange.reconnected ? ", also after one reconnect" : ""));
        }
    }
}
