package io.tensorline.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's aggregator, answering a body over the limit with 413 and {@code {"error": ...}} instead of an empty body.
 * As Netty does, the connection stays open when the client announced the size up front and asked for keep-alive
 * (the rest of the body is then skipped); otherwise it is closed after the answer.
 */
final class JsonErrorAggregator extends HttpObjectAggregator {

    private final int maxContentLength;

    JsonErrorAggregator(int maxContentLength) {
        super(maxContentLength);
        this.maxContentLength = maxContentLength;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse response = HttpErrors.response(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                "request body is larger than the limit of " + maxContentLength + " bytes (expected: at most "
                        + maxContentLength + " bytes after decompression; the server's max body size option)");
        boolean keepOpen = !(oversized instanceof FullHttpMessage)
                && (HttpUtil.is100ContinueExpected(oversized) || HttpUtil.isKeepAlive(oversized));
        HttpUtil.setKeepAlive(response, keepOpen);
        if (keepOpen) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
