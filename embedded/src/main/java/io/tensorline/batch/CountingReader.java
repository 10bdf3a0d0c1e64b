package io.tensorline.batch;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Lines of a UTF-8 text file with a line count and how many bytes have been read (for progress). */
final class CountingReader implements AutoCloseable {

    private final long size;
    private final long[] consumed = new long[1];
    private final BufferedReader reader;
    private long line;

    CountingReader(Path file) throws IOException {
        this.size = Files.size(file);
        InputStream in = new FilterInputStream(Files.newInputStream(file)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    consumed[0] += n;
                }
                return n;
            }
        };
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /** The next line that is not blank, or null at the end. */
    String nextLine() throws IOException {
        String s;
        do {
            s = reader.readLine();
            line++;
        } while (s != null && s.isBlank());
        return s;
    }

    long line() {
        return line;
    }

    double fraction() {
        return size == 0 ? 1 : Math.min(1, consumed[0] / (double) size);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
