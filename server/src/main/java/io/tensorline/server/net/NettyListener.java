package io.tensorline.server.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Netty HTTP/1.1 listener with the connection handling REST and metrics share: epoll where available, TLS 1.2+
 * from {@link ReloadingTls}, a cap on open connections, the {@link HeaderTimeoutHandler}, and a record of the open
 * connections so that a drain can reach every one. Owns its event loop threads ({@code <name>-boss},
 * {@code <name>-worker-N}), or serves on shared {@link EventLoops} that its owner stops.
 *
 * <p>Pipeline: [{@code tls}], then what the caller's {@code configure} adds, which must include the HTTP codec
 * under the name {@link #CODEC}; the {@code header-timeout} handler goes right after it.
 */
public final class NettyListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NettyListener.class);

    /** The name the caller's HTTP server codec must have in the pipeline. */
    public static final String CODEC = "codec";

    /** TLS 1.3 and 1.2 only. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** A client failing its handshake (no certificate, an untrusted one, plain text) is routine: one debug line. */
    private static final ChannelHandler TLS_FAILURES = new TlsFailures();

    @ChannelHandler.Sharable
    private static final class TlsFailures extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
                log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.getMessage());
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    private final String name;
    /** Null when the listener serves on shared event loops, which it must not shut down. */
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup connections;
    private final Channel serverChannel;
    private final Object lock = new Object();
    private boolean closed;

    private NettyListener(String name, EventLoopGroup boss, EventLoopGroup workers, ChannelGroup connections,
                          Channel serverChannel) {
        this.name = name;
        this.connections = connections;
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds and starts serving.
     *
     * @param configure adds the handlers after TLS, the HTTP codec named {@link #CODEC} among them
     * @throws IOException when the address cannot be bound
     */
    public static NettyListener bind(String name, String host, int port, int workerThreads, ListenerSettings settings,
                                     Consumer<ChannelPipeline> configure) throws IOException {
        Objects.requireNonNull(settings, "settings");
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1, threads(name + "-boss", false))
                : new NioEventLoopGroup(1, threads(name + "-boss", false));
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup(workerThreads, threads(name + "-worker", true))
                : new NioEventLoopGroup(workerThreads, threads(name + "-worker", true));
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        return bind(name, host, port, boss, workers, channelType, true, settings, configure);
    }

    /**
     * Binds and serves on shared event loops, which accept as well as serve; {@link #close} leaves them running
     * (their owner stops them).
     */
    public static NettyListener bind(String name, String host, int port, EventLoops loops, ListenerSettings settings,
                                     Consumer<ChannelPipeline> configure) throws IOException {
        return bind(name, host, port, loops.group(), loops.group(), loops.channelType(), false,
                Objects.requireNonNull(settings, "settings"), configure);
    }

    private static NettyListener bind(String name, String host, int port, EventLoopGroup boss, EventLoopGroup workers,
                                      Class<? extends ServerChannel> channelType, boolean owned,
                                      ListenerSettings settings, Consumer<ChannelPipeline> configure)
            throws IOException {
        SslContext ssl;
        try {
            ssl = settings.tls() == null ? null : sslContext(settings.tls());
        } catch (SSLException | RuntimeException e) {
            if (owned) {
                shutdown(boss, workers);
            }
            throw e;
        }
        boolean epoll = channelType == EpollServerSocketChannel.class;
        ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        AtomicInteger open = new AtomicInteger();
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
                        if (open.incrementAndGet() > settings.maxConnections()) {
                            open.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        group.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        if (ssl != null) {
                            p.addLast("tls", ssl.newHandler(ch.alloc()));
                            p.addLast("tls-failures", TLS_FAILURES);
                        }
                        configure.accept(p);
                        p.addAfter(CODEC, "header-timeout", new HeaderTimeoutHandler(settings.headerTimeoutNanos()));
                    }
                })
                .bind(new InetSocketAddress(host, port));
        bind.awaitUninterruptibly();
        if (!bind.isSuccess()) {
            if (owned) {
                shutdown(boss, workers);
            }
            Throwable cause = bind.cause();
            throw cause instanceof IOException io ? io
                    : new IOException("cannot serve " + name + " on " + host + ":" + port + ": " + cause, cause);
        }
        NettyListener listener = owned ? new NettyListener(name, boss, workers, group, bind.channel())
                : new NettyListener(name, null, null, group, bind.channel());
        log.info("{} listening on {} ({} transport, {}{})", name, bind.channel().localAddress(),
                epoll ? "epoll" : "nio", (owned ? "" : "shared ") + loopCount(workers) + " event loop threads",
                ssl == null ? ""
                        : settings.tls().settings().mutual() ? ", mutual TLS" : ", TLS");
        return listener;
    }

    /** A server SSL context for Netty's own (unshaded) pipeline: TLS 1.2+, client certificates when mutual. */
    public static SslContext sslContext(ReloadingTls tls) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(tls.keyManager()).sslProvider(SslProvider.JDK)
                .protocols(PROTOCOLS);
        if (tls.settings().mutual()) {
            b.trustManager(tls.trustManager()).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The group the listening channel is registered with (the shared one, when given). */
    public EventLoopGroup eventLoopGroup() {
        return serverChannel.eventLoop().parent();
    }

    /** Stops accepting connections; open ones stay. */
    public void stopAccepting() {
        serverChannel.close().awaitUninterruptibly();
    }

    /** Fires a user event into every open connection's pipeline (on its event loop). */
    public void broadcast(Object userEvent) {
        for (Channel c : connections) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(userEvent));
        }
    }

    /**
     * Waits until every connection has closed (a draining connection closes itself once its answers are written),
     * or until {@code deadlineNanos} ({@link System#nanoTime} time).
     *
     * @return true when none is open
     */
    public boolean awaitConnectionsClosed(long deadlineNanos) throws InterruptedException {
        while (!connections.isEmpty()) {
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Stops accepting, closes every connection and stops the threads it created (shared loops run on); idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            serverChannel.close().awaitUninterruptibly();
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            if (boss != null) {
                shutdown(boss, workers);
            }
        }
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
            if (!g.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("event loop threads did not stop within 10 s");
            }
        }
    }

    private static int loopCount(EventLoopGroup group) {
        int n = 0;
        for (Object ignored : group) {
            n++;
        }
        return n;
    }

    private static ThreadFactory threads(String name, boolean numbered) {
        AtomicInteger next = new AtomicInteger();
        return r -> new FastThreadLocalThread(r, numbered ? name + "-" + next.getAndIncrement() : name);
    }
}
