package io.tensorline.benchmarks.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The REST ceiling: a bare Netty HTTP/1.1 server that answers {@code POST /v2/models/simple/infer} with the KServe
 * v2 JSON of the bundled {@code simple} model (INPUT0, INPUT1 FP32 [1,16] -> OUTPUT0 = sum, OUTPUT1 = difference)
 * by running the model on ONNX Runtime itself, on the event loop, one session per event loop thread. Its parsing is
 * the least that works for the benchmark's body: the two {@code "data"} arrays in order; no validation, no
 * batching, no statistics. A run against it measures Netty, the model and the load generator, so Tensorline's REST
 * path is compared with the same work done without a server around it.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.echo.BareHttpServer --port 9200 \
 *     [--model model-repository/simple/1/model.onnx] [--threads N]</pre>
 */
public final class BareHttpServer {

    private static final int WIDTH = 16;
    private static final byte[] DATA = "\"data\":[".getBytes(StandardCharsets.US_ASCII);

    private BareHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        BareArgs a = BareArgs.parse("bare http server", 9200, args);
        OnnxSessions sessions = new OnnxSessions(a.model(), a.threads());
        EventLoopGroup group = new EpollEventLoopGroup(a.threads());
        Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new Infer(sessions));
                    }
                }).bind(new InetSocketAddress(a.port())).sync().channel();
        System.out.println("bare http server: model 'simple' on HTTP port " + a.port() + ", " + a.threads()
                + " event loop threads");
        server.closeFuture().sync();
    }

    /** One connection's requests, answered in order on its event loop. */
    private static final class Infer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final OnnxSessions sessions;

        Infer(OnnxSessions sessions) {
            this.sessions = sessions;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws EngineException {
            ByteBuf body = request.content();
            int at = body.readerIndex();
            List<Tensor> inputs = new ArrayList<>(2);
            for (String name : new String[] {"INPUT0", "INPUT1"}) {
                at = indexOf(body, DATA, at) + DATA.length;
                ByteBuffer data = ByteBuffer.allocate(WIDTH * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < WIDTH; i++) {
                    int end = at;
                    while (body.getByte(end) != ',' && body.getByte(end) != ']') {
                        end++;
                    }
                    data.putFloat(Float.parseFloat(body.toString(at, end - at, StandardCharsets.US_ASCII)));
                    at = end + 1;
                }
                inputs.add(Tensor.of(name, DataType.FP32, new long[] {1, WIDTH}, data.flip()));
            }
            List<Tensor> outputs = sessions.session().execute(inputs);
            ByteBuf out = ctx.alloc().buffer(512);
            out.writeCharSequence("{\"model_name\":\"simple\",\"model_version\":\"1\",\"outputs\":[",
                    StandardCharsets.US_ASCII);
            for (int o = 0; o < outputs.size(); o++) {
                Tensor t = outputs.get(o);
                ByteBuffer d = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                out.writeCharSequence((o == 0 ? "" : ",") + "{\"name\":\"" + t.name()
                        + "\",\"datatype\":\"FP32\",\"shape\":[1," + WIDTH + "],\"data\":[", StandardCharsets.US_ASCII);
                for (int i = 0; i < WIDTH; i++) {
                    out.writeCharSequence((i == 0 ? "" : ",") + d.getFloat(d.position() + i * Float.BYTES),
                            StandardCharsets.US_ASCII);
                }
                out.writeCharSequence("]}", StandardCharsets.US_ASCII);
            }
            out.writeCharSequence("]}", StandardCharsets.US_ASCII);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, out);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, out.readableBytes());
            if (HttpUtil.isKeepAlive(request)) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static int indexOf(ByteBuf buf, byte[] needle, int from) {
            for (int i = from; i <= buf.writerIndex() - needle.length; i++) {
                int j = 0;
                while (j < needle.length && buf.getByte(i + j) == needle[j]) {
                    j++;
                }
                if (j == needle.length) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no \"data\" array in the body");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.BAD_REQUEST);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
