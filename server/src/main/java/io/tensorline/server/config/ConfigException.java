package io.tensorline.server.config;

/**
 * A model's configuration cannot be read, completed or accepted. The message names the model, the field and what
 * was expected, e.g. {@code "model 'm': max_batch_size: -1 (expected: >= 0)"}; the repository reports it as the
 * reason the model is UNAVAILABLE.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "model '<model>': "} followed by the formatted message. */
    public static ConfigException of(String model, String format, Object... args) {
        return new ConfigException("model '" + model + "': " + String.format(format, args));
    }
}
