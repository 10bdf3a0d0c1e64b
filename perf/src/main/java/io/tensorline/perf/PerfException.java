package io.tensorline.perf;

/** A failure the user should read: the message says what happened and what was expected. */
public final class PerfException extends Exception {
    private static final long serialVersionUID = 1L;

    public PerfException(String message) {
        super(message);
    }

    public PerfException(String message, Throwable cause) {
        super(message, cause);
    }
}
