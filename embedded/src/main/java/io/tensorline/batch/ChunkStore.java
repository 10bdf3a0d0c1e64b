package io.tensorline.batch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Finished chunks of a batch run, kept beside the output in {@code OUTPUT.parts/}: {@code manifest} (what job this
 * is), {@code chunk-NNNNNN.out} (a chunk's result rows) and {@code chunk-NNNNNN.err} (its bad rows). A chunk file
 * appears by an atomic rename once the chunk is complete, so after any interruption the files present are exactly
 * the finished chunks, and a rerun of the same job skips them. When every chunk is done the parts are joined into
 * the output (and the errors file) and the folder is removed.
 */
final class ChunkStore {

    private final Path dir;
    private final Path output;

    private ChunkStore(Path dir, Path output) {
        this.dir = dir;
        this.output = output;
    }

    /**
     * Opens the parts of the job {@code manifest} describes: resumes when a previous run of the same job left
     * some, starts afresh otherwise.
     *
     * @param restart discard the parts of any previous run, even of the same job
     * @throws IllegalStateException parts of a different job are there and {@code restart} is false
     */
    static ChunkStore open(Path output, String manifest, boolean restart) throws IOException {
        Path dir = output.resolveSibling(output.getFileName() + ".parts");
        Path manifestFile = dir.resolve("manifest");
        if (Files.isDirectory(dir)) {
            String previous = Files.exists(manifestFile) ? Files.readString(manifestFile) : "";
            if (restart) {
                delete(dir);
            } else if (!previous.equals(manifest)) {
                throw new IllegalStateException(dir + " holds the parts of another job (" + previous.trim()
                        + "; expected: " + manifest.trim() + "): pass --restart to discard them");
            }
        }
        Files.createDirectories(dir);
        if (!Files.exists(manifestFile)) {
            write(manifestFile, manifest.getBytes(StandardCharsets.UTF_8));
        }
        return new ChunkStore(dir, output);
    }

    boolean done(long chunk) {
        return Files.exists(part(chunk, "out"));
    }

    /** Writes a finished chunk: its errors first, then its rows, whose appearance marks the chunk done. */
    void commit(long chunk, String header, byte[] rows, byte[] errors) throws IOException {
        if (!header.isEmpty() && !Files.exists(dir.resolve("header"))) {
            write(dir.resolve("header"), header.getBytes(StandardCharsets.UTF_8));
        }
        write(part(chunk, "err"), errors);
        write(part(chunk, "out"), rows);
    }

    /**
     * Joins chunks {@code 0 .. chunks-1} into the output and their errors into {@code errorsFile} (removed when
     * there were none), then removes the parts.
     *
     * @param fileHeader null, or the header to write first given the rows' total bytes (.npy, whose header states
     *                   the row count)
     * @return the number of bad rows
     */
    long assemble(long chunks, Path errorsFile, java.util.function.LongFunction<byte[]> fileHeader) throws IOException {
        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        Path errTmp = errorsFile.resolveSibling(errorsFile.getFileName() + ".tmp");
        long errorBytes = 0;
        try (OutputStream out = Files.newOutputStream(tmp); OutputStream err = Files.newOutputStream(errTmp)) {
            if (fileHeader != null) {
                long bytes = 0;
                for (long c = 0; c < chunks; c++) {
                    bytes += Files.size(part(c, "out"));
                }
                out.write(fileHeader.apply(bytes));
            }
            if (Files.exists(dir.resolve("header"))) {
                Files.copy(dir.resolve("header"), out);
            }
            for (long c = 0; c < chunks; c++) {
                Files.copy(part(c, "out"), out);
                errorBytes += Files.copy(part(c, "err"), err);
            }
        }
        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long errors = 0;
        if (errorBytes > 0) {
            try (Stream<String> lines = Files.lines(errTmp)) {
                errors = lines.count();
            }
            Files.move(errTmp, errorsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.delete(errTmp);
            Files.deleteIfExists(errorsFile);
        }
        delete(dir);
        return errors;
    }

    Path dir() {
        return dir;
    }

    private Path part(long chunk, String kind) {
        return dir.resolve(String.format("chunk-%06d.%s", chunk, kind));
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
