package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.cli.NetworkOptions;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ModelStreamInfer honours flow control: a client that sends many large requests and reads no reply stops being
 * read from once its window of requests and the transport's buffers are full, so the server holds a bounded amount
 * for it; reading the replies lets everything through, and a cancelled stream releases what it held.
 */
class StreamFlowControlTest {

    /** 256 KiB per request and per reply. */
    private static final int WIDTH = 64 * 1024;
    private static final int SENT = 64;
    private static final int WINDOW = 4;

    @TempDir
    Path repo;

    private static long executed(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        return stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("big").build()).getModelStats(0)
                .getInferenceCount();
    }

    /** Polls until the count stops moving (the server stalled on flow control) and returns it. */
    private static long settled(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) throws Exception {
        long last = -1;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            long now = executed(stub);
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(300);
        }
        return last;
    }

    private static final class SilentClient implements ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse> {
        final AtomicInteger replies = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicReference<Throwable> error = new AtomicReference<>();
        volatile ClientCallStreamObserver<ModelInferRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
            call = requestStream;
            requestStream.disableAutoRequestWithInitial(0);
        }

        @Override
        public void onNext(ModelStreamInferResponse r) {
            if (!r.getErrorMessage().isEmpty()) {
                error.set(new AssertionError(r.getErrorMessage()));
            }
            replies.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            error.compareAndSet(null, t);
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }
    }

    @Test
    void aClientThatDoesNotReadStopsBeingReadAndThenGetsEveryReply() throws Exception {
        SimulatedModels.write(repo, "big", WIDTH, 0);
        NetworkOptions network = NetworkOptions.defaults().withGrpc(NetworkOptions.defaults().grpc()
                .withStreamMaxInFlight(WINDOW));
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 1 << 24), network)) {
            ManagedChannel channel = TestServers.channel(server);
            try {
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc
                        .newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
                SilentClient client = new SilentClient();
                GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(client);
                ModelInferRequest request = SimulatedModels.request("big", WIDTH, 1);
                for (int i = 0; i < SENT; i++) {
                    client.call.onNext(request); // grpc-java buffers what the server does not take
                }
                client.call.onCompleted();
                long stalled = settled(stub);
                // what the transport buffers (HTTP/2 windows of about 1 MiB each way, 4 replies) plus the window,
                // far below everything that was sent
                assertTrue(stalled < SENT / 2, "executed " + stalled + " of " + SENT + " without a reply read");
                assertTrue(server.core().inFlight().count() <= WINDOW, "in flight: " + server.core().inFlight().count());
                client.call.request(Integer.MAX_VALUE);
                assertTrue(client.done.await(60, TimeUnit.SECONDS));
                if (client.error.get() != null) {
                    fail(client.error.get());
                }
                assertEquals(SENT, client.replies.get());
                assertEquals(SENT, executed(stub));
            } finally {
                TestServers.close(channel);
            }
        }
    }

    @Test
    void aCancelledStreamReleasesWhatItHeld() throws Exception {
        // a slow model, so requests wait in the scheduler when the client gives up
        SimulatedModels.write(repo, "big", 4, 200_000);
        NetworkOptions network = NetworkOptions.defaults().withGrpc(NetworkOptions.defaults().grpc()
                .withStreamMaxInFlight(16));
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 1 << 24), network)) {
            ManagedChannel channel = TestServers.channel(server);
            try {
                SilentClient client = new SilentClient();
                GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(client);
                for (int i = 0; i < 16; i++) {
                    client.call.onNext(SimulatedModels.request("big", 4, i));
                }
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.core().inFlight().count() < 16) {
                    assertTrue(System.nanoTime() < until, "requests did not arrive");
                    Thread.sleep(5);
                }
                client.call.cancel("client gives up", null);
                until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.core().inFlight().count() > 0) {
                    assertTrue(System.nanoTime() < until, "still held: " + server.core().inFlight().count());
                    Thread.sleep(5);
                }
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc
                        .newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
                // the queued requests were dropped, not run: at most the one running when the client left (and
                // one the instance may have taken meanwhile)
                assertTrue(executed(stub) <= 2, "executed " + executed(stub));
            } finally {
                TestServers.close(channel);
            }
        }
    }
}
