package io.tensorline.batch;

import java.io.IOException;

/** A row source with one row per text line: skipping, positions, progress and closing go by the line reader. */
abstract class LineSource implements RowSource {

    protected final CountingReader in;

    LineSource(CountingReader in) {
        this.in = in;
    }

    @Override
    public boolean skip() throws IOException {
        return in.nextLine() != null;
    }

    @Override
    public String where() {
        return "line " + in.line();
    }

    @Override
    public long position() {
        return in.line();
    }

    @Override
    public double fraction() {
        return in.fraction();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
