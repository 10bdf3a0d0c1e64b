package io.tensorline.server.cli;

import io.tensorline.server.logging.LogSettings;

/** Triton's logging flags: {@code --log-verbose}, {@code --log-info|warning|error}, {@code --log-format}, {@code --log-file}. */
final class LogFlags {

    private LogFlags() {
    }

    static Flags declare(Flags f) {
        return f.declare("log-verbose", "LEVEL", "0", "verbose logging level (0 off; 1 adds DEBUG, 2 adds TRACE "
                        + "for Tensorline's own loggers; true is 1, false is 0)")
                .declareBool("log-info", true, "write INFO messages")
                .declareBool("log-warning", true, "write WARNING messages")
                .declareBool("log-error", true, "write ERROR messages")
                .declare("log-format", "FORMAT", "default", "log line format: default or ISO8601")
                .declare("log-file", "PATH", "", "write the log to this file instead of the console");
    }

    static LogSettings from(Flags f) throws Flags.UsageException {
        String verbose = f.get("log-verbose");
        int level = switch (verbose) {
            case "true" -> 1;
            case "false" -> 0;
            default -> f.getInt("log-verbose", 0, Integer.MAX_VALUE);
        };
        LogSettings.Format format = LogSettings.Format.fromWireName(f.get("log-format"));
        if (format == null) {
            throw new Flags.UsageException("invalid argument for --log-format: " + f.get("log-format")
                    + " (expected: default or ISO8601)");
        }
        return new LogSettings(f.getBool("log-info"), f.getBool("log-warning"), f.getBool("log-error"), level,
                format, f.get("log-file"));
    }
}
