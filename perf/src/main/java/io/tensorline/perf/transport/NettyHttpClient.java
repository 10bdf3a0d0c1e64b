package io.tensorline.perf.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A lean HTTP/1.1 client for the infer hot path: keep-alive connections, one request at a time on each (no
 * pipelining), opened lazily and reused. At most {@code maxConnections} requests are in flight, so at most that many
 * connections are open; sends over the limit wait in a queue and never block. Epoll when the native transport
 * loads, else NIO; the event loop threads ({@code perf-http-N}) belong to this client and stop on {@link #close()}.
 */
final class NettyHttpClient implements AutoCloseable {

    /** Largest reply accepted; a bigger one fails its request. */
    static final int MAX_REPLY_BYTES = 256 * 1024 * 1024;

    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final String host;
    private final int port;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ConnectionLimiter limiter;
    private final Queue<HttpConnection> idle = new ConcurrentLinkedQueue<>();
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private final Set<ByteBuf> requests = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    NettyHttpClient(String host, int port, int maxConnections, int threads) {
        this.host = host;
        this.port = port;
        this.limiter = new ConnectionLimiter(maxConnections);
        ThreadFactory factory = threadFactory();
        boolean epoll = Epoll.isAvailable();
        this.group = epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("codec", new HttpClientCodec());
                        ch.pipeline().addLast("aggregator", new HttpObjectAggregator(MAX_REPLY_BYTES));
                        ch.pipeline().addLast("reply", new HttpConnection(NettyHttpClient.this, ch));
                    }
                });
    }

    private static ThreadFactory threadFactory() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new FastThreadLocalThread(r, "perf-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** {@code HOST:PORT} as the Host header and messages write it. */
    String authority() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * Keeps a pre-built request (request line, headers and body) until {@link #close()}; each send writes a
     * retained duplicate of it.
     */
    ByteBuf keep(ByteBuf request) {
        requests.add(request);
        return request;
    }

    /** Sends {@code request} as soon as a connection is free; {@code callback} hears the outcome once. */
    void send(ByteBuf request, String what, InferCallback callback) {
        // latency counts from here, so time spent waiting for a free connection is not hidden
        long startNs = System.nanoTime();
        Exchange exchange = new Exchange(request, what, callback, startNs);
        limiter.submit(() -> start(exchange));
    }

    private void start(Exchange exchange) {
        if (closed) {
            finish(exchange, "the HTTP transport was closed before " + exchange.what + " was sent");
            return;
        }
        HttpConnection c;
        while ((c = idle.poll()) != null) {
            if (c.isActive()) {
                c.write(exchange);
                return;
            }
        }
        connect(exchange);
    }

    /** Opens a new connection for {@code exchange} (the first on this slot, or the one reconnect). */
    void connect(Exchange exchange) {
        if (closed) {
            finish(exchange, "the HTTP transport was closed before " + exchange.what + " was sent");
            return;
        }
        ChannelFuture f = bootstrap.connect(host, port);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                finish(exchange, "cannot connect to " + authority() + " for " + exchange.what + ": " + done.cause());
                return;
            }
            Channel ch = f.channel();
            open.add(ch);
            ch.closeFuture().addListener(x -> open.remove(ch));
            if (closed) {
                ch.close();
                finish(exchange, "the HTTP transport was closed before " + exchange.what + " was sent");
                return;
            }
            ch.pipeline().get(HttpConnection.class).write(exchange);
        });
    }

    /** The reply to {@code exchange} has been handled: the connection (when still usable) serves the next one. */
    void replied(HttpConnection connection, boolean reusable) {
        if (reusable && !closed) {
            idle.add(connection);
        }
        limiter.release();
    }

    /** The request failed on or before its connection: its slot is given back, then the callback hears why. */
    void finish(Exchange exchange, String problem) {
        limiter.release();
        exchange.callback.failed(exchange.startNs, System.nanoTime(), problem);
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes every connection (requests in flight fail), frees the pre-built requests, stops the event loops. */
    @Override
    public void close() {
        closed = true;
        for (Channel ch : open) {
            ch.close();
        }
        idle.clear();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        for (ByteBuf b : requests) {
            b.release();
        }
        requests.clear();
    }

    /** One request on its way: what to write, whom to tell, and whether it has been retried on a new connection. */
    static final class Exchange {
        final ByteBuf request;
        final String what;
        final InferCallback callback;
        final long startNs;
        long sendNs;
        boolean reconnected;

        Exchange(ByteBuf request, String what, InferCallback callback, long startNs) {
            this.request = request;
            this.what = what;
            this.callback = callback;
            this.startNs = startNs;
        }
    }
}
