package io.tensorline.client;

/**
 * The one error type of the client: the server refused or failed a call, or the call never reached it. Carries the
 * status (gRPC's code names; REST statuses are mapped onto them), the HTTP status when the call went over REST, and
 * the server's own message.
 */
public final class TensorlineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** gRPC's status codes, which REST statuses map onto (400 INVALID_ARGUMENT, 404 NOT_FOUND, ...). */
    public enum Status {
        CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
        RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
        DATA_LOSS, UNAUTHENTICATED;

        /** The status a REST reply's HTTP code stands for. */
        public static Status fromHttp(int code) {
            return switch (code) {
                case 400 -> INVALID_ARGUMENT;
                case 401 -> UNAUTHENTICATED;
                case 403 -> PERMISSION_DENIED;
                case 404 -> NOT_FOUND;
                case 408, 504 -> DEADLINE_EXCEEDED;
                case 409 -> ALREADY_EXISTS;
                case 429 -> RESOURCE_EXHAUSTED;
                case 499 -> CANCELLED;
                case 501 -> UNIMPLEMENTED;
                case 503 -> UNAVAILABLE;
                default -> code >= 500 ? INTERNAL : UNKNOWN;
            };
        }
    }

    private final Status status;
    private final int httpStatus;
    private final String serverMessage;

    public TensorlineException(Status status, int httpStatus, String serverMessage, Throwable cause) {
        super(status + (httpStatus > 0 ? " (HTTP " + httpStatus + ")" : "") + ": " + serverMessage, cause);
        this.status = status;
        this.httpStatus = httpStatus;
        this.serverMessage = serverMessage == null ? "" : serverMessage;
    }

    public TensorlineException(Status status, String serverMessage) {
        this(status, 0, serverMessage, null);
    }

    public Status status() {
        return status;
    }

    /** The HTTP status of a REST reply, or 0 when the call went over gRPC or got no reply. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The server's message as it sent it (gRPC status description, REST {@code "error"}), or the local reason. */
    public String serverMessage() {
        return serverMessage;
    }
}
