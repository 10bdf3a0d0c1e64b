package io.tensorline.server.grpc;

import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.shm.SharedMemoryRegistry;
import io.tensorline.server.shm.SharedMemoryUse;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One {@link ModelInferRequest} checked, decoded and submitted, for ModelInfer and ModelStreamInfer alike: inputs
 * in shared memory are read from their regions, outputs bound to regions are written there when the request
 * completes and answered without data.
 *
 * @param response the answer, outputs in shared memory already written; cancelling it cancels the request
 */
record GrpcInferSubmission(CompletableFuture<InferenceResponse> response, SharedMemoryUse shm) {

    /**
     * @throws RuntimeException what the checks and the decoder refuse (the request was not submitted, and holds
     *         it took on regions are given back)
     */
    static GrpcInferSubmission submit(InferenceServer server, SharedMemoryRegistry regions,
                                      ModelInferRequest request, long arrival) {
        SharedMemoryUse shm = regions.newUse();
        try {
            Map<String, Integer> classification = GrpcTensorParameters.check(request, shm);
            InferenceRequest decoded = GrpcInferCodec.decode(request, arrival, shm);
            return new GrpcInferSubmission(shm.attach(server.infer(decoded, classification,
                    TraceContextInterceptor.parent())), shm);
        } catch (RuntimeException e) {
            shm.release();
            throw e;
        }
    }

    ModelInferResponse encode(InferenceResponse r) {
        return GrpcInferCodec.encode(r, shm);
    }

    /** The same answer, written from the tensors when grpc-java frames it. */
    WireInferResponse wire(InferenceResponse r) {
        return wire(r, false);
    }

    /** @param nested whether the answer is a stream's reply (a ModelStreamInferResponse's infer_response) */
    WireInferResponse wire(InferenceResponse r, boolean nested) {
        return new WireInferResponse(r, shm, nested);
    }
}
