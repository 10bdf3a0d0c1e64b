package io.tensorline.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceServer;
import java.util.Map;

/**
 * One ModelStreamInfer call: each request gets exactly one response, in completion order; a failed request is
 * answered in {@code error_message} and the stream goes on. The stream completes once the client has half-closed
 * and every request has been answered.
 *
 * <p>Responses come from worker threads, so sending is serialised on this object's monitor (gRPC observers are
 * not thread-safe).
 */
final class InferStream implements StreamObserver<ModelInferRequest> {

    private final InferenceServer server;
    private final StreamObserver<ModelStreamInferResponse> reply;
    /** Guarded by {@code this}. */
    private int inFlight;
    /** Guarded by {@code this}. */
    private boolean halfClosed;
    /** Guarded by {@code this}. */
    private boolean finished;

    InferStream(InferenceServer server, StreamObserver<ModelStreamInferResponse> reply) {
        this.server = server;
        this.reply = reply;
    }

    @Override
    public void onNext(ModelInferRequest request) {
        synchronized (this) {
            inFlight++;
        }
        try {
            Map<String, Integer> classification = GrpcTensorParameters.check(request);
            server.infer(GrpcInferCodec.decode(request, System.nanoTime()), classification).whenComplete((response, error) -> {
                if (error != null) {
                    send(failure(error));
                } else {
                    ModelStreamInferResponse encoded;
                    try {
                        encoded = ModelStreamInferResponse.newBuilder()
                                .setInferResponse(GrpcInferCodec.encode(response)).build();
                    } catch (RuntimeException e) {
                        encoded = failure(e);
                    }
                    send(encoded);
                }
            });
        } catch (RuntimeException e) {
            send(failure(e));
        }
    }

    private static ModelStreamInferResponse failure(Throwable error) {
        return ModelStreamInferResponse.newBuilder()
                .setErrorMessage(InferenceException.from(error).getMessage()).build();
    }

    private synchronized void send(ModelStreamInferResponse response) {
        inFlight--;
        if (finished) {
            return;
        }
        reply.onNext(response);
        if (halfClosed && inFlight == 0) {
            finished = true;
            reply.onCompleted();
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        // the client cancelled or the transport failed: nothing more can be sent
        finished = true;
    }

    @Override
    public synchronized void onCompleted() {
        halfClosed = true;
        if (inFlight == 0 && !finished) {
            finished = true;
            reply.onCompleted();
        }
    }
}
