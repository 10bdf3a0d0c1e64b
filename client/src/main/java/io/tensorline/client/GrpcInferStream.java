package io.tensorline.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelStreamInferResponse;

/** {@link InferStream} over {@code ModelStreamInfer}; sends are serialised on this object's lock (grpc-java needs one writer). */
final class GrpcInferStream implements InferStream {

    private final Object lock = new Object();
    private ClientCallStreamObserver<ModelInferRequest> requests; // guarded by lock

    private GrpcInferStream() {
    }

    static GrpcInferStream open(GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub, Listener listener) {
        GrpcInferStream stream = new GrpcInferStream();
        ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
                synchronized (stream.lock) {
                    stream.requests = requestStream;
                }
            }

            @Override
            public void onNext(ModelStreamInferResponse r) {
                if (!r.getErrorMessage().isEmpty()) {
                    listener.onRequestError(new TensorlineException(TensorlineException.Status.UNKNOWN,
                            r.getErrorMessage()));
                    return;
                }
                InferResult result;
                try {
                    result = GrpcCodec.decode(r.getInferResponse());
                } catch (RuntimeException e) {
                    listener.onRequestError(GrpcTensorlineClient.error(e));
                    return;
                }
                listener.onResult(result);
            }

            @Override
            public void onError(Throwable t) {
                listener.onClosed(GrpcTensorlineClient.error(t));
            }

            @Override
            public void onCompleted() {
                listener.onClosed(null);
            }
        };
        stub.modelStreamInfer(responses);
        return stream;
    }

    @Override
    public void send(InferRequest request) {
        ModelInferRequest message = GrpcCodec.encode(request);
        synchronized (lock) {
            requests.onNext(message);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            requests.onCompleted();
        }
    }

    @Override
    public void cancel() {
        synchronized (lock) {
            requests.cancel("cancelled by the caller", null);
        }
    }
}
