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
 *
 * @param <R> the reply type: the generated {@link ModelStreamInferResponse} ({@link #MESSAGES}), or the bytes
 *            written from the tensors ({@link WireInferResponse#STREAM_REPLIES}, what the bound service sends)
 */
final class InferStream<R> implements StreamObserver<ModelInferRequest> {

    /** How a stream's replies are made from an answer or an error's text. */
    interface Replies<R> {
        R answer(GrpcInferSubmission submitted, InferenceResponse response);

        R failure(String message);
    }

    /** Replies as generated messages. */
    static final Replies<ModelStreamInferResponse> MESSAGES = new Replies<>() {
        @Override
        public ModelStreamInferResponse answer(GrpcInferSubmission submitted, InferenceResponse response) {
            return ModelStreamInferResponse.newBuilder().setInferResponse(submitted.encode(response)).build();
        }

        @Override
        public ModelStreamInferResponse failure(String message) {
            return ModelStreamInferResponse.newBuilder().setErrorMessage(message).build();
        }
    };

    private final InferenceServer server;
    private final StreamObserver<R> reply;
    private final Replies<R> replies;
    /** Null when the observer offers no flow control (only in-process tests without a call). */
    private final ServerCallStreamObserver<R> call;
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

    InferStream(InferenceServer server, StreamObserver<R> reply, Replies<R> replies, OpenStreams streams,
                SharedMemoryRegistry shm) {
        this.shm = shm;
        this.server = server;
        this.reply = reply;
        this.replies = replies;
        this.streams = streams;
        this.window = streams.maxInFlightPerStream();
        this.call = reply instanceof ServerCallStreamObserver<R> c ? c : null;
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
            R encoded;
            try {
                encoded = replies.answer(submitted, response);
            } catch (RuntimeException e) {
                encoded = failure(e);
            }
            send(encoded, result);
        });
    }

    private R failure(Throwable error) {
        return replies.failure(InferenceException.from(error).getMessage());
    }

    private synchronized void send(R response, CompletableFuture<InferenceResponse> of) {
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
