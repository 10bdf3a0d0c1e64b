package io.tensorline.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.net.RestrictedApis;
import io.tensorline.server.core.RateLimitedWarning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The last handler of a connection's pipeline: routes each aggregated request and writes exactly one response for
 * it. Inference runs asynchronously; its reply is encoded and written on this channel's event loop when the core's
 * future completes, so no event loop ever waits.
 *
 * <p>HTTP/1.1 requires responses in request order, so while an inference is in flight, later (pipelined) requests
 * wait in {@link #pending}; reading pauses when too many pile up. One instance per connection; all fields are
 * confined to the channel's event loop.
 */
final class HttpRequestHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);
    private static final int MAX_PENDING = 16;
    /** User event: the server is draining (see {@link HttpFrontend#beginDrain}). */
    static final Object DRAIN = new Object();
    private static final RateLimitedWarning FAILED_CONNECTION = new RateLimitedWarning(log, "HTTP connection failed");

    private final RestApi api;
    private final RestrictedApis restricted;
    /** Answer what was delivered, then close. */
    private boolean draining;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private boolean busy;
    /** The inference this connection waits for; event loop only. */
    private CompletableFuture<?> inFlight;
    private boolean readPaused;
    private boolean closing;
    /** A body failed to decode: its 400 is queued, and nothing read after it is served. */
    private boolean undecodable;

    HttpRequestHandler(RestApi api) {
        this(api, RestrictedApis.NONE);
    }

    HttpRequestHandler(RestApi api, RestrictedApis restricted) {
        this.api = api;
        this.restricted = restricted;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt != DRAIN) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        draining = true;
        if (!busy && pending.isEmpty()) {
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (undecodable) {
            request.release();
            return;
        }
        pending.add(request);
        drain(ctx);
    }

    private void drain(ChannelHandlerContext ctx) {
        FullHttpRequest next;
        while (!busy && !closing && (next = pending.poll()) != null) {
            handle(ctx, next);
        }
        if (closing) {
            releasePending();
            return;
        }
        if (pending.size() >= MAX_PENDING && !readPaused) {
            readPaused = true;
            ctx.channel().config().setAutoRead(false);
        } else if (pending.isEmpty() && readPaused && !undecodable) {
            readPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Answers one request; releases it. */
    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        Reply reply = new Reply(request.protocolVersion(), HttpUtil.isKeepAlive(request));
        try {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                respond(ctx, HttpErrors.response(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                        "malformed HTTP request: " + (cause == null ? "unknown" : cause.getMessage())),
                        new Reply(request.protocolVersion(), false));
                return;
            }
            RestrictedApis.Rule refused = restricted.refused(
                    RestrictedApis.httpGroup(new QueryStringDecoder(request.uri()).rawPath()), request.headers()::get);
            if (refused != null) {
                respond(ctx, HttpErrors.response(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                        "This API is restricted, expecting header '" + refused.header() + "'"), reply);
                return;
            }
            Route route = Route.match(request.uri());
            if (route == null) {
                respond(ctx, HttpErrors.response(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "Not Found"), reply);
            } else if (!route.endpoint().allows(request.method())) {
                FullHttpResponse r = HttpErrors.response(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "Method Not Allowed: " + request.method() + " " + new QueryStringDecoder(request.uri())
                                .rawPath() + " (expected: " + route.endpoint().allowed() + ")");
                r.headers().set(HttpHeaderNames.ALLOW, route.endpoint().allowed());
                respond(ctx, r, reply);
            } else if (route.endpoint() == Route.Endpoint.MODEL_INFER) {
                startInfer(ctx, route, request, reply);
            } else if (route.endpoint() == Route.Endpoint.MODEL_LOAD
                    || route.endpoint() == Route.Endpoint.MODEL_UNLOAD) {
                startRepositoryControl(ctx, route, request, reply);
            } else {
                respond(ctx, api.handle(ctx.alloc(), route, request), reply);
            }
        } catch (RuntimeException | Error e) {
            respond(ctx, HttpErrors.response(ctx.alloc(), e), reply);
        } finally {
            request.release();
        }
    }

    private void startInfer(ChannelHandlerContext ctx, Route route, FullHttpRequest request, Reply reply) {
        RestApi.PendingInfer infer = api.startInfer(route, request);
        if (infer.response().isDone()) {
            // failed validation (or an instant answer): no need to hop threads
            finishInfer(ctx, infer, reply);
            return;
        }
        busy = true;
        inFlight = infer.response();
        infer.response().whenCompleteAsync((r, e) -> {
            busy = false;
            inFlight = null;
            if (ctx.channel().isActive()) {
                finishInfer(ctx, infer, reply);
                drain(ctx);
            }
        }, ctx.executor());
    }

    /**
     * A model load or unload: answered when it finishes, on the event loop. A client that goes away does not
     * cancel it (the model's state must not depend on a connection).
     */
    private void startRepositoryControl(ChannelHandlerContext ctx, Route route, FullHttpRequest request,
                                        Reply reply) {
        CompletableFuture<FullHttpResponse> done = api.startRepositoryControl(route, request);
        busy = true;
        done.whenCompleteAsync((r, e) -> {
            busy = false;
            if (ctx.channel().isActive()) {
                respond(ctx, e != null ? HttpErrors.response(ctx.alloc(), e) : r, reply);
                drain(ctx);
            } else if (r != null) {
                r.release();
            }
        }, ctx.executor());
    }

    /** Runs on the event loop once the future is done. */
    private void finishInfer(ChannelHandlerContext ctx, RestApi.PendingInfer infer, Reply reply) {
        FullHttpResponse response;
        try {
            InferenceResponse r = infer.response().join();
            response = InferResponseEncoder.encode(ctx.alloc(), r, infer.outputs());
        } catch (RuntimeException | Error e) {
            response = HttpErrors.response(ctx.alloc(), e);
        }
        respond(ctx, response, reply);
    }

    /** How to answer: the request's HTTP version and whether the connection stays open afterwards. */
    private record Reply(HttpVersion version, boolean keepAlive) {
    }

    private void respond(ChannelHandlerContext ctx, FullHttpResponse response, Reply reply) {
        // an HTTP/1.0 client asking for keep-alive needs it confirmed; for HTTP/1.1 it is the default
        // draining: the last response delivered so far closes the connection
        boolean keepAlive = reply.keepAlive() && !(draining && pending.isEmpty());
        HttpUtil.setKeepAlive(response.headers(), reply.version(), keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            closing = true; // requests pipelined behind this one are dropped with the connection
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        if (inFlight != null) {
            // the client went away: let the scheduler drop the request if it has not run yet
            inFlight.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    private void releasePending() {
        FullHttpRequest r;
        while ((r = pending.poll()) != null) {
            r.release();
        }
    }

    /**
     * A client's broken connection or undecodable body is not the server's problem: DEBUG only. A body that fails to
     * decode (corrupt gzip) is answered 400 in its turn, and nothing more is read. Anything else is one rate-limited
     * line.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof DecoderException) {
            log.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            FAILED_CONNECTION.warn(ctx.channel().remoteAddress(), cause);
        }
        if (cause instanceof DecoderException && ctx.channel().isActive() && !closing) {
            if (!undecodable) {
                undecodable = true;
                readPaused = true;
                ctx.channel().config().setAutoRead(false);
                FullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                        Unpooled.EMPTY_BUFFER);
                failed.setDecoderResult(DecoderResult.failure(cause.getCause() != null ? cause.getCause() : cause));
                pending.add(failed);
                drain(ctx);
            }
            return;
        }
        ctx.close();
    }
}
