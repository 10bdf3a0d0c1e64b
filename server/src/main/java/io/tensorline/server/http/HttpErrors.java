package io.tensorline.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.RateLimitedWarning;
import org.slf4j.LoggerFactory;

/**
 * The one place where errors become HTTP answers: {@link ErrorCode} to status (PROTOCOL.md §1.7), and the body
 * {@code {"error":"<message>"}}.
 */
final class HttpErrors {

    private static final RateLimitedWarning UNEXPECTED = new RateLimitedWarning(
            LoggerFactory.getLogger(HttpErrors.class), "unexpected failure while serving an HTTP request");

    private HttpErrors() {
    }

    static HttpResponseStatus status(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT, CANCELLED, ALREADY_EXISTS -> HttpResponseStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case UNSUPPORTED -> HttpResponseStatus.NOT_IMPLEMENTED;
            case INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /**
     * The answer to any failure. An {@link InferenceException} keeps its code; anything else is a bug or an engine
     * crash, logged (one line, rate-limited; the stack trace at DEBUG) and answered with 500.
     */
    static FullHttpResponse response(ByteBufAllocator alloc, Throwable failure) {
        InferenceException e = InferenceException.from(failure);
        if (e != failure && e.getCause() != null && !(e.getCause() instanceof InferenceException)) {
            UNEXPECTED.warn("answered 500", e.getCause());
        }
        return response(alloc, status(e.code()), e.getMessage());
    }

    static FullHttpResponse response(ByteBufAllocator alloc, HttpResponseStatus status, String message) {
        String text = message == null ? status.reasonPhrase() : message;
        ByteBuf body = JsonSupport.encode(alloc, 32 + text.length(), g -> {
            g.writeStartObject();
            g.writeStringField("error", text);
            g.writeEndObject();
        });
        return HttpReplies.json(status, body);
    }
}
