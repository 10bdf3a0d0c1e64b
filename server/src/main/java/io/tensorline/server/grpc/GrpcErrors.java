package io.tensorline.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.server.core.InferenceException;

/** The one place where domain errors become gRPC statuses. */
final class GrpcErrors {

    private GrpcErrors() {
    }

    static Status status(InferenceException e) {
        Status base = switch (e.code()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case UNSUPPORTED -> Status.UNIMPLEMENTED;
            case CANCELLED -> Status.CANCELLED;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case INTERNAL -> Status.INTERNAL;
        };
        return base.withDescription(e.getMessage());
    }

    static StatusRuntimeException toStatusException(Throwable t) {
        return status(InferenceException.from(t)).asRuntimeException();
    }
}
