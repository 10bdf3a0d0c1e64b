package io.tensorline.server.core;

import java.util.Objects;

/**
 * The one error value of the core: a code and a message that says what was expected. Stack traces are not filled
 * in, because these are answers to clients, not bugs, and they may be thrown on hot paths.
 */
public final class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public InferenceException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public InferenceException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public static InferenceException invalid(String format, Object... args) {
        return new InferenceException(ErrorCode.INVALID_ARGUMENT, String.format(format, args));
    }

    public static InferenceException notFound(String format, Object... args) {
        return new InferenceException(ErrorCode.NOT_FOUND, String.format(format, args));
    }

    public static InferenceException unavailable(String format, Object... args) {
        return new InferenceException(ErrorCode.UNAVAILABLE, String.format(format, args));
    }

    public static InferenceException internal(String format, Object... args) {
        return new InferenceException(ErrorCode.INTERNAL, String.format(format, args));
    }

    /** Wraps any throwable: an InferenceException stays as it is, anything else becomes INTERNAL. */
    public static InferenceException from(Throwable t) {
        Throwable cause = t;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof InferenceException e) {
            return e;
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new InferenceException(ErrorCode.INTERNAL, message, cause);
    }
}
