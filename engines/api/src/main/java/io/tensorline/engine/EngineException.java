package io.tensorline.engine;

/** A model failed to load or to execute; the message says why in terms a user can act on. */
public class EngineException extends Exception {

    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
