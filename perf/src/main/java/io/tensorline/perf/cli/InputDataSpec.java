package io.tensorline.perf.cli;

import java.nio.file.Path;
import java.util.Objects;

/** What {@code --input-data} asked for: random values, zeros, or a perf_analyzer JSON file. */
public record InputDataSpec(Kind kind, Path file) {

    public enum Kind { RANDOM, ZERO, FILE }

    public InputDataSpec {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.FILE) != (file != null)) {
            throw new IllegalArgumentException("a file is given exactly for kind FILE");
        }
    }

    public static InputDataSpec random() {
        return new InputDataSpec(Kind.RANDOM, null);
    }

    static InputDataSpec parse(String value) {
        return switch (value) {
            case "random" -> random();
            case "zero" -> new InputDataSpec(Kind.ZERO, null);
            default -> new InputDataSpec(Kind.FILE, Path.of(value));
        };
    }

    @Override
    public String toString() {
        return kind == Kind.FILE ? file.toString() : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
