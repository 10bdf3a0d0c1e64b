package io.tensorline.server.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Netty (unshaded) event loop group and the server channel type that goes with it: epoll where available, else
 * NIO. Listeners handed one share it for accepting and for their connections and never shut it down; whoever
 * {@link #create}d it does ({@link ServerResources} for the server's REST and metrics listeners).
 *
 * @param transport {@code epoll} or {@code nio}, for the log
 */
public record EventLoops(EventLoopGroup group, Class<? extends ServerChannel> channelType, String transport) {

    public EventLoops {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(channelType, "channelType");
        Objects.requireNonNull(transport, "transport");
    }

    /** A group of {@code threads} threads named {@code <name>-<n>}; started lazily, on first use. */
    public static EventLoops create(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        return Epoll.isAvailable()
                ? new EventLoops(new EpollEventLoopGroup(threads, named(name)), EpollServerSocketChannel.class, "epoll")
                : new EventLoops(new NioEventLoopGroup(threads, named(name)), NioServerSocketChannel.class, "nio");
    }

    /** Fast-thread-local threads (what Netty's own pools use) named {@code <name>-<n>}. */
    static ThreadFactory named(String name) {
        AtomicInteger next = new AtomicInteger();
        return r -> new FastThreadLocalThread(r, name + "-" + next.getAndIncrement());
    }

    /** Stops the threads: no quiet period, at most 5 s for tasks under way, then waits up to 10 s. */
    public void shutdown() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        if (!group.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("event loop threads did not stop within 10 s");
        }
    }
}
