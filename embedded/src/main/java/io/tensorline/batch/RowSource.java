package io.tensorline.batch;

import java.io.IOException;
import java.nio.file.Path;

/** Rows of an input file, read in order on one thread. */
interface RowSource extends AutoCloseable {

    /**
     * Reads the next row into {@code into} (between {@code beginRow} and {@code endRow}).
     *
     * @return false at the end of the file
     * @throws BadRowException the row was read but cannot become inputs; the source is positioned after it
     */
    boolean next(BatchBuffers into, long rowIndex) throws IOException, BadRowException;

    /** Passes over one row without decoding it (resume); false at the end. */
    boolean skip() throws IOException;

    /** Where the row last read is, for messages: {@code "line 12"} or {@code "row 11"}. */
    String where();

    /** The line number (text files) or 0-based row (.npy) of the row last read. */
    long position();

    /** How far through the file reading is, 0..1. */
    double fraction();

    @Override
    void close() throws IOException;

    /** The source for a file, by its extension: .jsonl/.ndjson/.json, .csv, .npy. */
    static RowSource open(Path file, ModelInputs inputs) throws IOException {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return new JsonLinesSource(file, inputs);
        }
        if (name.endsWith(".csv")) {
            return new CsvSource(file, inputs);
        }
        if (name.endsWith(".npy")) {
            return new NpySource(file, inputs);
        }
        throw new IllegalArgumentException("--input " + file + ": unknown format (expected: .jsonl, .ndjson, .csv or .npy)");
    }
}
