package io.tensorline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Test repositories assembled from the committed models (the bundled repository, the server's test models). */
public final class TestRepository {

    public static final Path BUNDLED = Path.of("../model-repository");
    static final Path SERVER_TESTS = Path.of("../server/src/test/resources/test-repository");

    private TestRepository() {
    }

    /** {@code dir} filled with these models, each taken from the bundled or the server's test repository. */
    public static Path of(Path dir, String... models) {
        for (String m : models) {
            Path from = Files.isDirectory(BUNDLED.resolve(m)) ? BUNDLED.resolve(m) : SERVER_TESTS.resolve(m);
            try (Stream<Path> files = Files.walk(from)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path target = dir.resolve(m).resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }
}
