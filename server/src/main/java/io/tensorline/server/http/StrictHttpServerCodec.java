package io.tensorline.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * Netty's {@code HttpServerCodec} with framing that leaves no room for request smuggling: a request whose body length
 * two parsers could read differently ({@link HttpFraming}) becomes a failed request, which the handler answers with
 * 400 in its turn among pipelined requests and then closes the connection; every byte after it is discarded. Lines
 * and headers over {@link #MAX_INITIAL_LINE_BYTES} / {@link #MAX_HEADER_BYTES} fail the same way.
 *
 * <p>Netty's own codec drops {@code Content-Length} when {@code Transfer-Encoding: chunked} is present (RFC 9112
 * allows that), which would hide the ambiguity; this decoder keeps both so the check sees them. Like Netty's codec,
 * the encoder writes no body in answer to HEAD. One instance per connection, confined to its event loop.
 */
final class StrictHttpServerCodec extends CombinedChannelDuplexHandler<StrictHttpServerCodec.Decoder,
        StrictHttpServerCodec.Encoder> {

    /** The request line, URL included. */
    static final int MAX_INITIAL_LINE_BYTES = 8192;
    /** All header lines together. */
    static final int MAX_HEADER_BYTES = 16384;

    StrictHttpServerCodec() {
        Queue<HttpMethod> methods = new ArrayDeque<>();
        init(new Decoder(new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
                .setMaxHeaderSize(MAX_HEADER_BYTES), methods), new Encoder(methods));
    }

    static final class Decoder extends HttpRequestDecoder {
        private final Queue<HttpMethod> methods;
        private boolean rejected;

        Decoder(HttpDecoderConfig config, Queue<HttpMethod> methods) {
            super(config);
            this.methods = methods;
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            // keep Content-Length: HttpFraming refuses the message for carrying both
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (rejected) {
                in.skipBytes(in.readableBytes());
                return;
            }
            int first = out.size();
            super.decode(ctx, in, out);
            for (int i = first; i < out.size(); i++) {
                if (!(out.get(i) instanceof HttpRequest request)) {
                    continue;
                }
                methods.add(request.method());
                String problem = request.decoderResult().isSuccess() ? HttpFraming.problem(request) : null;
                if (problem != null || request.decoderResult().isFailure()) {
                    reject(out, i, problem);
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }

        /** Replaces message {@code at} by a failed, bodiless request (unless Netty failed it) and drops the rest. */
        private void reject(List<Object> out, int at, String problem) {
            rejected = true;
            while (out.size() > at + 1) {
                ReferenceCountUtil.release(out.remove(out.size() - 1));
            }
            if (problem == null) {
                return;
            }
            HttpRequest bad = (HttpRequest) out.get(at);
            FullHttpRequest failed = new DefaultFullHttpRequest(bad.protocolVersion(), bad.method(), bad.uri(),
                    Unpooled.EMPTY_BUFFER);
            failed.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
            ReferenceCountUtil.release(bad);
            out.set(at, failed);
        }
    }

    static final class Encoder extends HttpResponseEncoder {
        private final Queue<HttpMethod> methods;

        Encoder(Queue<HttpMethod> methods) {
            this.methods = methods;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            // interim (1xx) responses come before the final one of the same request
            HttpMethod method = msg.status().codeClass() == HttpStatusClass.INFORMATIONAL ? null : methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
