package io.tensorline.server.grpc;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tensorline.server.serving.InferenceServer;

/**
 * {@code grpc.health.v1.Health/Check}: SERVING exactly when the server is ready, read at each call, for the whole
 * server ({@code service} empty) and for {@code inference.GRPCInferenceService}.
 */
final class ReadinessHealthService extends HealthGrpc.HealthImplBase {

    private final InferenceServer server;

    ReadinessHealthService(InferenceServer server) {
        this.server = server;
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> reply) {
        String service = request.getService();
        if (!service.isEmpty() && !service.equals("inference.GRPCInferenceService")) {
            reply.onError(io.grpc.Status.NOT_FOUND
                    .withDescription("unknown service '" + service + "' (expected: empty or inference.GRPCInferenceService)")
                    .asRuntimeException());
            return;
        }
        HealthCheckResponse.ServingStatus status = server.ready()
                ? HealthCheckResponse.ServingStatus.SERVING
                : HealthCheckResponse.ServingStatus.NOT_SERVING;
        reply.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
        reply.onCompleted();
    }
}
