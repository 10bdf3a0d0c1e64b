package io.tensorline.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tensorline.server.net.EventLoops;
import io.tensorline.server.net.ListenerSettings;
import io.tensorline.server.net.NettyListener;
import io.tensorline.server.net.RestrictedApis;
import io.tensorline.server.stats.ModelStatsRegistry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics} in the Prometheus text format, on its own port (Triton's 8002), served by Netty with the
 * connection handling REST has ({@link NettyListener}: non-blocking, TLS, a connection cap, a header timeout), so
 * neither many connections nor slow ones keep a scrape waiting. A scrape reads the statistics registry on the
 * connection's event loop: that reads counters and never blocks.
 */
public final class MetricsFrontend implements AutoCloseable {

    private static final int MAX_REQUEST_BYTES = 8192;

    private final NettyListener listener;
    private final GpuMetrics gpu;

    private MetricsFrontend(NettyListener listener, GpuMetrics gpu) {
        this.listener = listener;
        this.gpu = gpu;
    }

    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port) throws IOException {
        return start(stats, host, port, 2000, true, ListenerSettings.defaults());
    }

    /**
     * @param intervalMs  Triton's {@code --metrics-interval-ms}: how often the host gauges are sampled
     * @param cpuMetrics  Triton's {@code --allow-cpu-metrics}: whether to export {@code nv_cpu_*} at all
     */
    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port, int intervalMs,
                                        boolean cpuMetrics) throws IOException {
        return start(stats, host, port, intervalMs, cpuMetrics, ListenerSettings.defaults());
    }

    /** Binds and serves with the given TLS, restriction (group {@code metrics}) and connection limits. */
    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port, ListenerSettings settings)
            throws IOException {
        return start(stats, host, port, 2000, true, settings);
    }

    /** The host gauges as {@link #start(ModelStatsRegistry, String, int, int, boolean)}, the listener as above. */
    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port, int intervalMs,
                                        boolean cpuMetrics, ListenerSettings settings) throws IOException {
        return start(stats, host, port, new Exports(intervalMs, cpuMetrics, false, true, null), settings);
    }

    /**
     * What is exported besides the per-model counters.
     *
     * @param intervalMs       Triton's {@code --metrics-interval-ms}: how often the host and GPU gauges are sampled
     * @param cpuMetrics       Triton's {@code --allow-cpu-metrics}: {@code nv_cpu_*}
     * @param gpuMetrics       Triton's {@code --allow-gpu-metrics}: {@code nv_gpu_*} from NVML, where there is a GPU
     * @param counterLatencies {@code --metrics-config counter_latencies}
     * @param summaries        the latency summaries the statistics feed ({@code summary_latencies=true}), or null
     */
    public record Exports(int intervalMs, boolean cpuMetrics, boolean gpuMetrics, boolean counterLatencies,
                          LatencySummaryMetrics summaries) {
    }

    /** Binds and serves {@code exports} with the given TLS, restriction and connection limits. */
    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port, Exports exports,
                                        ListenerSettings settings) throws IOException {
        return start(stats, host, port, exports, settings, null);
    }

    /** As above, serving on {@code shared} event loops (null: its own boss and worker thread). */
    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port, Exports exports,
                                        ListenerSettings settings, EventLoops shared) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new InferenceMetrics(stats, exports.counterLatencies()));
        registry.register(new ModelLoadMetrics(stats));
        if (exports.summaries() != null) {
            registry.register(exports.summaries());
        }
        if (exports.cpuMetrics()) {
            registry.register(HostMetrics.system(exports.intervalMs()));
        }
        GpuMetrics gpu = exports.gpuMetrics() ? GpuMetrics.nvml(exports.intervalMs()) : null;
        if (gpu != null) {
            registry.register(gpu);
        }
        PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
        Scrape scrape = new Scrape(registry, writer, settings.restricted());
        return new MetricsFrontend(shared != null
                ? NettyListener.bind("metrics", host, port, shared, settings, p -> configure(p, scrape))
                : NettyListener.bind("metrics", host, port, 1, settings, p -> configure(p, scrape)), gpu);
    }

    private static void configure(ChannelPipeline p, Scrape scrape) {
        p.addLast(NettyListener.CODEC, new HttpServerCodec());
        p.addLast("compressor", new HttpContentCompressor());
        p.addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES));
        p.addLast("scrape", scrape);
    }

    /** The event loops the listener accepts on (the shared ones, when given). */
    public EventLoopGroup eventLoopGroup() {
        return listener.eventLoopGroup();
    }

    public int port() {
        return listener.port();
    }

    @Override
    public void close() {
        listener.close();
        if (gpu != null) {
            gpu.close(); // after the listener: no scrape reads the devices any more
        }
    }

    /** Answers each request at once, so HTTP/1.1 ordering holds without a queue. Stateless: one for all. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Scrape extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PrometheusRegistry registry;
        private final PrometheusTextFormatWriter writer;
        private final RestrictedApis restricted;

        Scrape(PrometheusRegistry registry, PrometheusTextFormatWriter writer, RestrictedApis restricted) {
            this.registry = registry;
            this.writer = writer;
            this.restricted = restricted;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            FullHttpResponse response;
            String path = new QueryStringDecoder(request.uri()).rawPath();
            RestrictedApis.Rule refused = restricted.refused(RestrictedApis.Group.METRICS, request.headers()::get);
            if (!request.decoderResult().isSuccess()) {
                response = text(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request\n");
            } else if (!path.equals("/metrics")) {
                response = text(ctx, HttpResponseStatus.NOT_FOUND, "Not Found\n");
            } else if (refused != null) {
                response = text(ctx, HttpResponseStatus.FORBIDDEN,
                        "This API is restricted, expecting header '" + refused.header() + "'\n");
            } else if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed\n");
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            } else {
                ByteBuf body = ctx.alloc().buffer(16 * 1024);
                try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                    writer.write(out, registry.scrape());
                } catch (IOException | RuntimeException e) {
                    body.release();
                    throw e;
                }
                if (request.method().equals(HttpMethod.HEAD)) {
                    int length = body.readableBytes();
                    body.clear();
                    response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, body);
                    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length);
                } else {
                    response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, body);
                    HttpUtil.setContentLength(response, body.readableBytes());
                }
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, PrometheusTextFormatWriter.CONTENT_TYPE);
            }
            HttpUtil.setKeepAlive(response.headers(), request.protocolVersion(), keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
            ByteBuf body = ctx.alloc().buffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
            FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    status, body);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(r, body.readableBytes());
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
