package io.tensorline.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.tensorline.server.core.InferenceServer;
import io.tensorline.server.logging.LogControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The KServe v2 / Triton REST transport: HTTP/1.1 with keep-alive on Netty (epoll where available, else NIO).
 * The frontend owns its event loop threads ({@code http-boss}, {@code http-worker-N}): {@link #start} creates them
 * and {@link #close} shuts them down and waits for them.
 *
 * <p>Pipeline per connection: {@link StrictHttpServerCodec} (Netty's codec, refusing ambiguous framing), a
 * response compressor honouring {@code Accept-Encoding}, a request decompressor for {@code Content-Encoding:
 * gzip|deflate}, an aggregator enforcing the body limit (after decompression) with a JSON 413, and the
 * {@link HttpRequestHandler}.
 */
public final class HttpFrontend implements AutoCloseable {

    /**
     * @param maxBodyBytes  largest request body accepted, after decompression (Triton's {@code --http-max-input-size})
     * @param workerThreads event loop threads serving connections
     */
    public record Options(int maxBodyBytes, int workerThreads) {

        public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

        public Options {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 1)");
            }
            if (workerThreads < 1) {
                throw new IllegalArgumentException("workerThreads: " + workerThreads + " (expected: >= 1)");
            }
        }

        /** 64 MB bodies, one worker per available processor. */
        public static Options defaults() {
            return new Options(DEFAULT_MAX_BODY_BYTES, Runtime.getRuntime().availableProcessors());
        }

        public Options withMaxBodyBytes(int bytes) {
            return new Options(bytes, workerThreads);
        }

        public Options withWorkerThreads(int threads) {
            return new Options(maxBodyBytes, threads);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(HttpFrontend.class);

    /** Responses smaller than this go uncompressed even when the client accepts gzip. */
    private static final int COMPRESSION_THRESHOLD_BYTES = 1024;

    private final RestApi api;
    private final Options options;
    private final Object lock = new Object();
    // guarded by lock
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;
    private boolean closed;

    public HttpFrontend(InferenceServer server, Options options) {
        this(server, options, null);
    }

    /** @param logging the logging extension's control, or null to leave {@code v2/logging} unoffered */
    public HttpFrontend(InferenceServer server, Options options, LogControl logging) {
        this.api = new RestApi(Objects.requireNonNull(server, "server"), System::nanoTime, logging);
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Binds and starts serving.
     *
     * @param port 0 picks a free port; see {@link #port()}
     * @throws IOException when the address cannot be bound
     */
    public void start(String host, int port) throws IOException {
        synchronized (lock) {
            if (closed || serverChannel != null) {
                throw new IllegalStateException(closed ? "HTTP frontend is closed" : "HTTP frontend already started");
            }
            boolean epoll = Epoll.isAvailable();
            boss = epoll ? new EpollEventLoopGroup(1, threads("http-boss", false))
                    : new NioEventLoopGroup(1, threads("http-boss", false));
            workers = epoll ? new EpollEventLoopGroup(options.workerThreads(), threads("http-worker", true))
                    : new NioEventLoopGroup(options.workerThreads(), threads("http-worker", true));
            Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                    : NioServerSocketChannel.class;
            ChannelFuture bind = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            configure(ch.pipeline());
                        }
                    })
                    .bind(new InetSocketAddress(host, port))
                    .awaitUninterruptibly();
            if (!bind.isSuccess()) {
                shutdownGroups();
                Throwable cause = bind.cause();
                throw cause instanceof IOException io ? io
                        : new IOException("cannot serve HTTP on " + host + ":" + port + ": " + cause, cause);
            }
            serverChannel = bind.channel();
            log.info("HTTP service listening on {} ({} transport, {} worker threads)", serverChannel.localAddress(),
                    epoll ? "epoll" : "nio", options.workerThreads());
        }
    }

    private void configure(ChannelPipeline p) {
        p.addLast("codec", new StrictHttpServerCodec());
        p.addLast("compressor", new HttpContentCompressor(COMPRESSION_THRESHOLD_BYTES,
                StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate()));
        p.addLast("decompressor", new HttpContentDecompressor());
        p.addLast("aggregator", new JsonErrorAggregator(options.maxBodyBytes()));
        p.addLast("api", new HttpRequestHandler(api));
    }

    /** The bound port. */
    public int port() {
        synchronized (lock) {
            if (serverChannel == null) {
                throw new IllegalStateException("HTTP frontend is not started");
            }
            return ((InetSocketAddress) serverChannel.localAddress()).getPort();
        }
    }

    /** Stops accepting, closes connections and stops the event loop threads; idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly();
            }
            shutdownGroups();
        }
    }

    private void shutdownGroups() {
        for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
            if (g != null) {
                g.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            }
        }
        for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
            if (g != null && !g.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("HTTP event loop threads did not stop within 10 s");
            }
        }
        boss = null;
        workers = null;
    }

    private static ThreadFactory threads(String name, boolean numbered) {
        AtomicInteger next = new AtomicInteger();
        return r -> new FastThreadLocalThread(r, numbered ? name + "-" + next.getAndIncrement() : name);
    }
}
