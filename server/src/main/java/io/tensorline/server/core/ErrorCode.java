package io.tensorline.server.core;

/** The domain's error kinds; each transport maps them to its own status codes in exactly one place. */
public enum ErrorCode {
    /** The request is malformed or does not fit the model (gRPC INVALID_ARGUMENT, HTTP 400). */
    INVALID_ARGUMENT,
    /** Unknown model or version (gRPC NOT_FOUND, HTTP 404). */
    NOT_FOUND,
    /** Model not ready, queue full, queue timeout, shutting down (gRPC UNAVAILABLE, HTTP 503). */
    UNAVAILABLE,
    /** A feature the server does not offer (gRPC UNIMPLEMENTED, HTTP 501). */
    UNSUPPORTED,
    /** The client went away before the request ran (gRPC CANCELLED, HTTP 400). */
    CANCELLED,
    /** The name is taken, e.g. a shared memory region registered twice (gRPC ALREADY_EXISTS, HTTP 400). */
    ALREADY_EXISTS,
    /** An engine or server failure (gRPC INTERNAL, HTTP 500). */
    INTERNAL
}
