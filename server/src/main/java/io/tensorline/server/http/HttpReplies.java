package io.tensorline.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Builders for the complete responses the REST API sends; every response carries its Content-Length. */
final class HttpReplies {

    static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    private HttpReplies() {
    }

    /** A response whose body is JSON; takes ownership of {@code body}. */
    static FullHttpResponse json(HttpResponseStatus status, ByteBuf body) {
        return withBody(status, body, HttpHeaderValues.APPLICATION_JSON);
    }

    /**
     * A response with binary tensor data: {@code body} holds the JSON header of {@code jsonLength} bytes followed
     * by the blobs; takes ownership of {@code body}.
     */
    static FullHttpResponse binary(ByteBuf body, int jsonLength) {
        FullHttpResponse r = withBody(HttpResponseStatus.OK, body, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        r.headers().setInt(INFERENCE_HEADER_CONTENT_LENGTH, jsonLength);
        return r;
    }

    /** A response with an empty body, as the health and readiness endpoints send. */
    static FullHttpResponse empty(HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    private static FullHttpResponse withBody(HttpResponseStatus status, ByteBuf body, CharSequence contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }
}
