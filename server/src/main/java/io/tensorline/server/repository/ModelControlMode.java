package io.tensorline.server.repository;

import java.util.Locale;

/** Triton's {@code --model-control-mode}: who decides which models are loaded. */
public enum ModelControlMode {
    /** Every model loads at start-up; nothing changes afterwards. */
    NONE,
    /** Every model loads at start-up; the repository is rescanned and changes are applied. */
    POLL,
    /** Only the start-up models load; the load and unload APIs decide the rest. */
    EXPLICIT;

    /** Case-insensitive, as Triton's parser. */
    public static ModelControlMode parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid argument for --model-control-mode: '" + value
                    + "' (expected: none, poll or explicit)");
        }
    }
}
