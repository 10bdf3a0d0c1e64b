package io.tensorline.server.grpc;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event loop group of the gRPC listener, in grpc-java's shaded Netty (its types cannot be shared with the
 * unshaded Netty that REST and metrics run on), with the matching server channel type: epoll where the shaded
 * natives load, else NIO. One group accepts and serves; {@link GrpcFrontend} never shuts it down, its creator does.
 */
public record GrpcEventLoops(EventLoopGroup group, Class<? extends ServerChannel> channelType) {

    public GrpcEventLoops {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(channelType, "channelType");
    }

    /** A group of {@code threads} threads named {@code <name>-<n>}; started lazily, on first use. */
    public static GrpcEventLoops create(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.ThreadFactory named = r -> new FastThreadLocalThread(r, name + "-" + next.getAndIncrement());
        return Epoll.isAvailable()
                ? new GrpcEventLoops(new EpollEventLoopGroup(threads, named), EpollServerSocketChannel.class)
                : new GrpcEventLoops(new NioEventLoopGroup(threads, named), NioServerSocketChannel.class);
    }

    /** Stops the threads: no quiet period, at most 5 s for tasks under way, then waits up to 10 s. */
    public void shutdown() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        if (!group.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("gRPC event loop threads did not stop within 10 s");
        }
    }
}
