package io.tensorline.perf.transport;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.ModelInferRequest;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One pre-built ModelInferRequest, sent asynchronously over the transport's channels in turn. */
final class GrpcInfer implements PreparedInfer {

    private final ModelInferRequest request;
    private final List<ManagedChannel> channels;
    private final AtomicLong next;

    GrpcInfer(ModelInferRequest request, List<ManagedChannel> channels, AtomicLong next) {
        this.request = request;
        this.channels = channels;
        this.next = next;
    }

    @Override
    public void send(InferCallback callback) {
        ManagedChannel channel = channels.get((int) Long.remainderUnsigned(next.getAndIncrement(), channels.size()));
        Call call = new Call(callback, System.nanoTime());
        // the stub call frames and serialises the message on this thread: that is the client's send time
        ClientCalls.asyncUnaryCall(channel.newCall(TimedResponse.MODEL_INFER, CallOptions.DEFAULT), request, call);
        call.sent(System.nanoTime());
    }

    /**
     * The response may arrive (on a transport thread) before {@code sent} runs on the sending thread; whichever of
     * the two comes second reports, so the callback sees both times.
     */
    private static final class Call implements StreamObserver<TimedResponse> {
        private final InferCallback callback;
        private final long startNs;
        private final AtomicInteger arrivals = new AtomicInteger();
        private long sendNs;
        private long endNs;
        private long recvNs;
        private String error;

        Call(InferCallback callback, long startNs) {
            this.callback = callback;
            this.startNs = startNs;
        }

        void sent(long nowNs) {
            sendNs = nowNs - startNs;
            arrive();
        }

        @Override
        public void onNext(TimedResponse value) {
            recvNs = value.parseNs();
        }

        @Override
        public void onError(Throwable t) {
            error = t.getMessage() == null ? t.toString() : t.getMessage();
            endNs = System.nanoTime();
            arrive();
        }

        @Override
        public void onCompleted() {
            endNs = System.nanoTime();
            arrive();
        }

        // the atomic increment orders the plain field writes before it against the reads after the second arrival
        private void arrive() {
            if (arrivals.incrementAndGet() == 2) {
                if (error != null) {
                    callback.failed(startNs, endNs, error);
                } else {
                    callback.completed(startNs, endNs, sendNs, recvNs);
                }
            }
        }
    }
}
