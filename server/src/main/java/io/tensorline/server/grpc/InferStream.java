package io.tensorline.server.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.shm.SharedMemoryRegistry;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One ModelStreamInfer call: each request gets exactly one response, in completion order; a failed request is
 * answered in {@code error_message} and the stream goes on. The stream completes once the client has half-closed
 * and every request has been answered.
 *
 * <p>Memory is bounded by gRPC flow control: automatic inbound requests are off, and a new message is asked for
 * only while fewer than {@code window} requests are unanswered and the transport takes replies as fast as they come
 * ({@code isReady}). A client that stops reading its replies therefore stops being read from; its window of
 * requests and replies is all the server holds for it. A cancelled call cancels its unanswered requests, so the
 * scheduler drops those not yet run. During a drain the stream finishes with UNAVAILABLE once its requests are
 * answered.
 *
 * <p>Responses come from worker threads, so every use of the reply observer is serialised on this object's monitor
 * (gRPC observers are not thread-safe).
 */
final class InferStream implements StreamObserver<ModelInferRequest> {

    private final InferenceServer server;
    private final StreamObserver<ModelStreamInferResponse> reply;
    /** Null when the observer offers no flow control (only in-process tests without a call). */
    private final ServerCallStreamObserver<ModelStreamInferResponse> call;
    private final OpenStreams streams;
    private final SharedMemoryRegistry shm;
    private final int window;
    /** Unanswered requests. Guarded by {@code this}. */
    private final Set<CompletableFuture<InferenceResponse>> pending = new HashSet<>();
    /** Requests received and not yet answered. Guarded by {@code this}. */
    private int inFlight;
    /** Messages asked of the transport and not yet received. Guarded by {@code this}. */
    private int requested;
    /** Guarded by {@code this}. */
    private boolean halfClosed;
    /** Guarded by {@code this}. */
    private boolean draining;
    /** Guarded by {@code this}. */
    private boolean finished;

    InferStream(InferenceServer server, StreamObserver<ModelStreamInferResponse> reply, OpenStreams streams) {
        this(server, reply, streams, SharedMemoryRegistry.disabled());
    }

    InferStream(InferenceServer server, StreamObserver<ModelStreamInferResponse> reply, OpenStreams streams,
                SharedMemoryRegistry shm) {
        this.shm = shm;
        this.server = server;
        this.reply = reply;
        this.streams = streams;
        this.window = streams.maxInFlightPerStream();
        this.call = reply instanceof ServerCallStreamObserver<ModelStreamInferResponse> c ? c : null;
        if (call != null) {
            call.disableAutoRequest();
            call.setOnCancelHandler(this::cancelled);
            call.setOnReadyHandler(this::onReady);
        }
        streams.add(this);
        synchronized (this) {
            // the first window is asked for before the transport could report readiness
            askForMore(true);
        }
    }

    /** Asks the transport for messages up to the window while replies flow. Holds the monitor. */
    private void askForMore() {
        askForMore(false);
    }

    private void askForMore(boolean first) {
        if (call == null || finished || halfClosed || draining || !(first || call.isReady())) {
            return;
        }
        int want = window - inFlight - requested;
        if (want > 0) {
            requested += want;
            call.request(want);
        }
    }

    private synchronized void onReady() {
        askForMore();
    }

    @Override
    public void onNext(ModelInferRequest request) {
        long arrival = ArrivalStamps.take(server.clock());
        GrpcInferSubmission submitted;
        synchronized (this) {
            inFlight++;
            if (requested > 0) {
                requested--;
            }
        }
        try {
            submitted = GrpcInferSubmission.submit(server, shm, request, arrival);
        } catch (RuntimeException e) {
            send(failure(e), null);
            return;
        }
        CompletableFuture<InferenceResponse> result = submitted.response();
        synchronized (this) {
            if (!result.isDone()) {
                pending.add(result);
            }
        }
        result.whenComplete((response, error) -> {
            if (error != null) {
                send(failure(error), result);
                return;
            }
            ModelStreamInferResponse encoded;
            try {
                encoded = ModelStreamInferResponse.newBuilder().setInferResponse(submitted.encode(response))
                        .build();
            } catch (RuntimeException e) {
                encoded = failure(e);
            }
            send(encoded, result);
        });
    }

    private static ModelStreamInferResponse failure(Throwable error) {
        return ModelStreamInferResponse.newBuilder()
                .setErrorMessage(InferenceException.from(error).getMessage()).build();
    }

    private synchronized void send(ModelStreamInferResponse response, CompletableFuture<InferenceResponse> of) {
        inFlight--;
        if (of != null) {
            pending.remove(of);
        }
        if (finished) {
            return;
        }
        reply.onNext(response);
        if (!finishIfDone()) {
            askForMore();
        }
    }

    /** Completes the call when nothing is left to answer and no more requests will come. Holds the monitor. */
    private boolean finishIfDone() {
        if (finished || inFlight > 0 || !(halfClosed || draining)) {
            return finished;
        }
        finished = true;
        streams.remove(this);
        if (halfClosed) {
            reply.onCompleted();
        } else {
            reply.onError(Status.UNAVAILABLE.withDescription("server is shutting down").asRuntimeException());
        }
        return true;
    }

    /** The server is draining: finish once every request received is answered. */
    synchronized void drain() {
        draining = true;
        finishIfDone();
    }

    /** The client cancelled (or the transport failed): nothing more can be sent; drop the unanswered requests. */
    private void cancelled() {
        Set<CompletableFuture<InferenceResponse>> drop;
        synchronized (this) {
            finished = true;
            streams.remove(this);
            drop = new HashSet<>(pending);
            pending.clear();
        }
        // outside the monitor: a cancelled future runs send(), which takes it
        drop.forEach(f -> f.cancel(false));
    }

    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    @Override
    public synchronized void onCompleted() {
        halfClosed = true;
        finishIfDone();
    }
}
