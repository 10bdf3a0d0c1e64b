package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.http.HttpFrontend;
import io.tensorline.server.metrics.MetricsFrontend;
import io.tensorline.server.net.ListenerSettings;
import io.tensorline.server.net.ServerResources;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.testing.FakeModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoints run on the event loops of the one {@link ServerResources}, which outlive them and stop last. */
class SharedResourcesTest {

    @Test
    void restAndMetricsListenOnTheSharedGroup() throws Exception {
        ServerResources resources = ServerResources.of(NanoClock.SYSTEM, 1);
        InferenceServer core = new InferenceServer(new FakeModelRegistry(), new ServerInfo("triton", "test", List.of()));
        HttpFrontend http = new HttpFrontend(core, HttpFrontend.Options.defaults())
                .withEventLoops(resources.httpEventLoops());
        http.start("127.0.0.1", 0);
        MetricsFrontend metrics = MetricsFrontend.start(new ModelStatsRegistry(), "127.0.0.1", 0,
                new MetricsFrontend.Exports(2000, false, false, true, null), ListenerSettings.defaults(),
                resources.httpEventLoops());
        try {
            assertSame(resources.httpEventLoops().group(), http.eventLoopGroup());
            assertSame(resources.httpEventLoops().group(), metrics.eventLoopGroup());
        } finally {
            http.close();
            metrics.close();
        }
        assertFalse(resources.httpEventLoops().group().isShuttingDown(), "closing an endpoint stopped shared loops");
        resources.close();
        assertTrue(resources.httpEventLoops().group().isTerminated());
        assertTrue(resources.grpcEventLoops().group().isTerminated());
    }

    @Test
    void aStartedServerRunsNoEventLoopThreadsButTheShared(@TempDir Path repo) throws Exception {
        SimulatedModels.write(repo, "sim", 4, 0);
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        TensorlineServer server = TensorlineServer.start(TestServers.withMetrics(repo));
        // the client's own event loop, so that its threads are known and not taken for the server's
        NioEventLoopGroup clientLoop = new NioEventLoopGroup(1);
        Set<Thread> loops;
        try {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .eventLoopGroup(clientLoop).channelType(NioSocketChannel.class).directExecutor().build();
            try {
                GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .modelInfer(SimulatedModels.request("sim", 4, 1f));
            } finally {
                TestServers.close(channel);
            }
            HttpClient client = HttpClient.newHttpClient();
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                    + "/v2/models/sim/infer")).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(SimulatedModels.json(4, 1f))).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort()
                    + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            loops = threadsOf(server.resources());
            Set<Thread> transport = new HashSet<>(Thread.getAllStackTraces().keySet());
            transport.removeAll(before);
            transport.remove(clientLoop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS));
            transport.removeIf(t -> !isEventLoop(t));
            assertFalse(transport.isEmpty());
            transport.removeAll(loops);
            assertEquals(Set.of(), transport.stream().map(Thread::getName).collect(Collectors.toSet()),
                    "event loop threads outside the shared groups");
        } finally {
            server.close();
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        for (Thread t : loops) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " still alive 10 s after close");
        }
    }

    @Test
    void theSchedulerAndModelLoadThreadsAreTheResourcesThreads(@TempDir Path repo) throws Exception {
        SimulatedModels.write(repo, "sim", 4, 0);
        TensorlineServer server = TensorlineServer.start(TestServers.withMetrics(repo));
        try {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .modelInfer(SimulatedModels.request("sim", 4, 1f));
            } finally {
                TestServers.close(channel);
            }
            Set<String> owned = new java.util.TreeSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                String name = t.getName();
                if (name.startsWith("instance-sim-") || name.startsWith("batcher-sim-")
                        || name.startsWith("completer-sim-") || name.startsWith("model-load-")) {
                    assertTrue(server.resources().threads().owns(t), name + " is the server's");
                    assertTrue(t.isDaemon(), name + " is a daemon");
                    owned.add(name.replaceAll("[0-9]+$", "N"));
                }
            }
            assertTrue(owned.contains("instance-sim-1-N"), owned.toString());
            assertTrue(owned.contains("model-load-N"), owned.toString());
        } finally {
            server.close();
        }
    }

    /** A Netty event loop thread of either Netty copy: ours, or one grpc-java or a listener of its own starts. */
    private static boolean isEventLoop(Thread t) {
        String name = t.getName();
        return (t instanceof io.netty.util.concurrent.FastThreadLocalThread
                || t instanceof io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread)
                && (name.startsWith("http-") || name.startsWith("grpc-") || name.startsWith("metrics-")
                || name.contains("ELG") || name.contains("boss"));
    }

    /** Every thread of the resources' groups, by asking each event loop which thread it is. */
    private static Set<Thread> threadsOf(ServerResources resources) throws Exception {
        Set<Thread> threads = new HashSet<>();
        for (io.netty.util.concurrent.EventExecutor e : resources.httpEventLoops().group()) {
            threads.add(e.submit(Thread::currentThread).get(10, TimeUnit.SECONDS));
        }
        for (io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor e : resources.grpcEventLoops().group()) {
            threads.add(e.submit(Thread::currentThread).get(10, TimeUnit.SECONDS));
        }
        return threads;
    }
}
