package io.tensorline.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root (surefire passes it as {@code tensorline.root}) and reading files under it. */
final class SourceTree {

    private SourceTree() {
    }

    static Path root() {
        return Path.of(System.getProperty("tensorline.root", "..")).toAbsolutePath().normalize();
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
