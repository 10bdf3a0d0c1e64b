package io.tensorline.server.http;

import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.shm.SharedMemoryRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.tensorline.server.net.EventLoops;
import io.tensorline.server.net.ListenerSettings;
import io.tensorline.server.net.NettyListener;
import io.tensorline.server.net.RestrictedApis;

import java.io.IOException;
import java.util.Objects;

/**
 * The KServe v2 / Triton REST transport: HTTP/1.1 with keep-alive on Netty (epoll where available, else NIO).
 * The frontend owns its event loop threads ({@code http-boss}, {@code http-worker-N}, made by its
 * {@link NettyListener}): {@link #start} creates them and {@link #close} shuts them down and waits for them.
 *
 * <p>Pipeline per connection: TLS when on, {@link StrictHttpServerCodec} (Netty's codec, refusing ambiguous
 * framing), the {@link NettyListener}'s header timeout, a response compressor honouring {@code Accept-Encoding}, a
 * request decompressor for {@code Content-Encoding: gzip|deflate}, an aggregator enforcing the body limit (after
 * decompression) with a JSON 413, and the {@link HttpRequestHandler}.
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

    /** Responses smaller than this go uncompressed even when the client accepts gzip. */
    private static final int COMPRESSION_THRESHOLD_BYTES = 1024;

    private final RestApi api;
    private final Options options;
    private final Object lock = new Object();
    // guarded by lock
    private NettyListener listener;
    private boolean closed;
    private EventLoops loops;

    public HttpFrontend(InferenceServer server, Options options) {
        this(server, options, null);
    }

    /** @param logging the logging extension's control, or null to leave {@code v2/logging} unoffered */
    public HttpFrontend(InferenceServer server, Options options, LogControl logging) {
        this(server, options, logging, SharedMemoryRegistry.disabled());
    }

    /** @param shm the system shared memory regions the {@code v2/systemsharedmemory} endpoints and infer use */
    public HttpFrontend(InferenceServer server, Options options, LogControl logging, SharedMemoryRegistry shm) {
        this.api = new RestApi(Objects.requireNonNull(server, "server"), server.clock()::nanoTime, logging,
                Objects.requireNonNull(shm, "shm"));
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Binds and starts serving, plain text, nothing restricted.
     *
     * @param port 0 picks a free port; see {@link #port()}
     * @throws IOException when the address cannot be bound
     */
    public void start(String host, int port) throws IOException {
        start(host, port, ListenerSettings.defaults());
    }

    /**
     * Serves on {@code shared} event loops (which {@link #close} leaves running) instead of its own boss and
     * {@link Options#workerThreads} workers; call before {@link #start}.
     */
    public HttpFrontend withEventLoops(EventLoops shared) {
        synchronized (lock) {
            this.loops = Objects.requireNonNull(shared, "shared");
        }
        return this;
    }

    /** Binds and starts serving with the given TLS, restrictions and connection limits. */
    public void start(String host, int port, ListenerSettings settings) throws IOException {
        synchronized (lock) {
            if (closed || listener != null) {
                throw new IllegalStateException(closed ? "HTTP frontend is closed" : "HTTP frontend already started");
            }
            listener = loops != null
                    ? NettyListener.bind("http", host, port, loops, settings, p -> configure(p, settings.restricted()))
                    : NettyListener.bind("http", host, port, options.workerThreads(), settings,
                            p -> configure(p, settings.restricted()));
        }
    }

    private void configure(ChannelPipeline p, RestrictedApis restricted) {
        p.addLast(NettyListener.CODEC, new StrictHttpServerCodec());
        p.addLast("compressor", new HttpContentCompressor(COMPRESSION_THRESHOLD_BYTES,
                StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate()));
        p.addLast("decompressor", new HttpContentDecompressor());
        p.addLast("aggregator", new JsonErrorAggregator(options.maxBodyBytes()));
        p.addLast("api", new HttpRequestHandler(api, restricted));
    }

    /** The bound port. */
    public int port() {
        synchronized (lock) {
            if (listener == null) {
                throw new IllegalStateException("HTTP frontend is not started");
            }
            return listener.port();
        }
    }

    /** The event loops the listener accepts on (the shared ones, when given). */
    public EventLoopGroup eventLoopGroup() {
        synchronized (lock) {
            if (listener == null) {
                throw new IllegalStateException("HTTP frontend is not started");
            }
            return listener.eventLoopGroup();
        }
    }

    /**
     * Starts a graceful drain: no new connections; idle connections close now, busy ones once every request they
     * have delivered is answered (the last response says {@code Connection: close}).
     */
    public void beginDrain() {
        synchronized (lock) {
            if (listener != null && !closed) {
                listener.stopAccepting();
                listener.broadcast(HttpRequestHandler.DRAIN);
            }
        }
    }

    /**
     * After {@link #beginDrain}: waits until every connection has written its answers and closed, or until
     * {@code deadlineNanos}; true when none is left open.
     */
    public boolean awaitDrained(long deadlineNanos) throws InterruptedException {
        NettyListener l;
        synchronized (lock) {
            l = listener;
        }
        return l == null || l.awaitConnectionsClosed(deadlineNanos);
    }

    /** Stops accepting and closes connections; stops its own event loop threads, not shared ones; idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (listener != null) {
                listener.close();
            }
        }
    }
}
