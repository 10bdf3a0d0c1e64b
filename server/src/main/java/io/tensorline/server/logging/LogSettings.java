package io.tensorline.server.logging;

import java.util.Objects;

/**
 * The logging extension's settings, as Triton names them: which severities are written, the verbose level (0 is
 * off; 1 adds DEBUG, 2 and more add TRACE, for Tensorline's own loggers), the line format, and the file ("" is the
 * console). Immutable.
 */
public record LogSettings(boolean info, boolean warning, boolean error, int verboseLevel, Format format,
                          String file) {

    /** Triton's two line formats. */
    public enum Format {
        DEFAULT("default"), ISO8601("ISO8601");

        private final String wire;

        Format(String wire) {
            this.wire = wire;
        }

        public String wireName() {
            return wire;
        }

        /** The format named {@code s} ({@code default} or {@code ISO8601}), or null. */
        public static Format fromWireName(String s) {
            for (Format f : values()) {
                if (f.wire.equals(s)) {
                    return f;
                }
            }
            return null;
        }
    }

    public LogSettings {
        Objects.requireNonNull(format, "format");
        file = file == null ? "" : file;
        if (verboseLevel < 0) {
            throw new IllegalArgumentException("verboseLevel: " + verboseLevel + " (expected: >= 0)");
        }
    }

    /** Triton's defaults: info, warning and error on, verbose off, default format, console. */
    public static LogSettings defaults() {
        return new LogSettings(true, true, true, 0, Format.DEFAULT, "");
    }

    public LogSettings withInfo(boolean v) {
        return new LogSettings(v, warning, error, verboseLevel, format, file);
    }

    public LogSettings withWarning(boolean v) {
        return new LogSettings(info, v, error, verboseLevel, format, file);
    }

    public LogSettings withError(boolean v) {
        return new LogSettings(info, warning, v, verboseLevel, format, file);
    }

    public LogSettings withVerboseLevel(int v) {
        return new LogSettings(info, warning, error, v, format, file);
    }

    public LogSettings withFormat(Format v) {
        return new LogSettings(info, warning, error, verboseLevel, v, file);
    }

    public LogSettings withFile(String v) {
        return new LogSettings(info, warning, error, verboseLevel, format, v);
    }
}
