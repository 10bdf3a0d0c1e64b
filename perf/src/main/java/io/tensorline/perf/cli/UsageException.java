package io.tensorline.perf.cli;

/** A bad command line: the message names the flag, the value given and what was expected. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
