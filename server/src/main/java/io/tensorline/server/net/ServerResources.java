package io.tensorline.server.net;

import io.tensorline.server.grpc.GrpcEventLoops;
import io.tensorline.server.scheduler.AfterRead;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.scheduler.ServerThreads;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one owner of what the endpoints and the schedulers share: the clock that stamps arrivals and measures queue
 * and compute time, and the event loop threads of the transports, sized for the machine. Created first by the
 * server, closed last, after every endpoint has closed.
 *
 * <p>Event loops: REST and metrics share one group (unshaded Netty, {@code http-<n>}); gRPC has its own
 * ({@code grpc-<n>}) because grpc-java's shaded Netty has other types. Each group accepts as well as serves (no
 * boss thread), and its threads start on first use, so an endpoint that is off costs no thread. On 2 cores that is
 * at most 2 + 2 event loop threads instead of the 10 (a boss and workers per listener, grpc-java's default group of
 * twice the cores) each listener's own defaults made.
 *
 * <p>Every other thread of the server (schedulers, model loading and retiring, the repository poller) comes from
 * its one {@link #threads() thread factory}, with the names those components give them; the counts are theirs
 * (one thread per instance, a batcher per batching model, a completer per model, {@code --model-load-thread-count}
 * loaders), so the machine's size shows in the event loops and in the instance counts the configs ask for.
 */
public final class ServerResources implements AutoCloseable {

    private final NanoClock clock;
    private final EventLoops http;
    private final GrpcEventLoops grpc;
    private final ServerThreads threads = new ServerThreads("tensorline-server");
    private final AtomicBoolean closed = new AtomicBoolean();

    private ServerResources(NanoClock clock, EventLoops http, GrpcEventLoops grpc, int eventLoopThreads) {
        this.clock = clock;
        this.http = http;
        this.grpc = grpc;
        AfterRead.install(ServerResources::currentEventLoop, eventLoopThreads);
    }

    /**
     * The event loop the calling thread runs, of either Netty (grpc-java's shaded one or the one REST and metrics
     * run on), or null: where the dynamic batcher gathers the requests of one turn of reads ({@link AfterRead}).
     */
    static Executor currentEventLoop() {
        Executor grpcLoop = io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        return grpcLoop != null ? grpcLoop : io.netty.util.internal.ThreadExecutorMap.currentExecutor();
    }

    /** Sized for this machine's processors: see {@link #eventLoopThreads}. */
    public static ServerResources forMachine() {
        return of(NanoClock.SYSTEM, eventLoopThreads(Runtime.getRuntime().availableProcessors()));
    }

    /** @param eventLoopThreads threads per event loop group (gRPC; REST with metrics) */
    public static ServerResources of(NanoClock clock, int eventLoopThreads) {
        EventLoops http = EventLoops.create("http", eventLoopThreads);
        try {
            return new ServerResources(clock, http, GrpcEventLoops.create("grpc", eventLoopThreads),
                    eventLoopThreads);
        } catch (RuntimeException e) {
            http.shutdown();
            throw e;
        }
    }

    /**
     * One event loop per processor, at most 4: a transport thread decodes, validates and submits, and encodes and
     * writes the answer; more threads than cores only adds switches, and past 4 the engines want the cores.
     */
    public static int eventLoopThreads(int processors) {
        return Math.max(1, Math.min(processors, 4));
    }

    /** The server's one clock: arrivals, queue, compute, deadlines. */
    public NanoClock clock() {
        return clock;
    }

    /** Makes every thread of the schedulers, model loading and retiring and the poller. */
    public ServerThreads threads() {
        return threads;
    }

    /** The event loops REST and metrics listen and serve on. */
    public EventLoops httpEventLoops() {
        return http;
    }

    /** The event loops gRPC listens and serves on. */
    public GrpcEventLoops grpcEventLoops() {
        return grpc;
    }

    /** Stops every thread this owns; call after the endpoints have closed. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (Runnable stop : List.<Runnable>of(grpc::shutdown, http::shutdown)) {
            try {
                stop.run();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
