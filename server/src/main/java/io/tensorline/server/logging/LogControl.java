package io.tensorline.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.Objects;

/**
 * The running server's logging, on Logback: one appender on the root logger (console or {@code --log-file}), the
 * format as its pattern, severities switched by a turbo filter (Triton's info/warning/error switches are
 * independent, which thresholds cannot express), and the verbose level as the level of Tensorline's own loggers.
 * Logging is process-wide, so one server process has one of these. Changes are serialised on {@code this}; the
 * filter reads volatile state from any thread.
 */
public final class LogControl {

    static final String OWN_LOGGERS = "io.tensorline";
    private static final String APPENDER = "tensorline";

    private final LoggerContext context;
    private final SeverityFilter filter = new SeverityFilter();
    private OutputStreamAppender<ILoggingEvent> appender; // guarded by this
    private volatile LogSettings settings;

    private LogControl(LoggerContext context) {
        this.context = context;
    }

    /** Whether slf4j is bound to Logback, which {@link #install} needs. */
    public static boolean available() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext;
    }

    /**
     * Takes over the process's Logback configuration with {@code initial}.
     *
     * @throws IllegalStateException when slf4j is not bound to Logback
     */
    public static LogControl install(LogSettings initial) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("the logging extension needs Logback as the slf4j backend, found "
                    + LoggerFactory.getILoggerFactory().getClass().getName());
        }
        LogControl control = new LogControl(context);
        // a server started again in the same process (tests) replaces the previous server's filter
        context.getTurboFilterList().removeIf(f -> f instanceof SeverityFilter);
        control.filter.setContext(context);
        control.filter.start();
        context.addTurboFilter(control.filter);
        control.apply(initial);
        return control;
    }

    public LogSettings settings() {
        return settings;
    }

    /** Applies new settings; the file can only be set at start-up. */
    public synchronized LogSettings update(LogSettings next) {
        Objects.requireNonNull(next, "next");
        if (!next.file().equals(settings.file())) {
            throw new IllegalArgumentException("the log file is set at start-up only");
        }
        apply(next);
        return next;
    }

    private synchronized void apply(LogSettings s) {
        filter.info = s.info();
        filter.warning = s.warning();
        filter.error = s.error();
        Logger own = context.getLogger(OWN_LOGGERS);
        own.setLevel(s.verboseLevel() >= 2 ? Level.TRACE : s.verboseLevel() == 1 ? Level.DEBUG : null);
        if (appender == null || settings.format() != s.format() || !settings.file().equals(s.file())) {
            replaceAppender(s);
        }
        settings = s;
    }

    private void replaceAppender(LogSettings s) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern(s.format()));
        encoder.start();
        OutputStreamAppender<ILoggingEvent> next;
        if (s.file().isEmpty()) {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("System.err");
            next = console;
        } else {
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(s.file());
            file.setAppend(true);
            next = file;
        }
        next.setContext(context);
        next.setName(APPENDER);
        next.setEncoder(encoder);
        // the old appender closes first: Logback refuses two file appenders on one file
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        next.start();
        if (!next.isStarted()) {
            throw new IllegalStateException("cannot open the log " + (s.file().isEmpty() ? "console" : "file "
                    + s.file()));
        }
        root.addAppender(next);
        appender = next;
    }

    /** Triton's line shapes: {@code I1201 10:36:04.123 thread logger] msg}, or ISO 8601 UTC time first. */
    static String pattern(LogSettings.Format format) {
        return switch (format) {
            case DEFAULT -> StartupLogConfigurator.PATTERN;
            case ISO8601 -> "%d{yyyy-MM-dd'T'HH:mm:ss'Z',UTC} %.-1level %thread %logger{0}] %msg%n";
        };
    }

    /** Drops INFO, WARN or ERROR events when that severity is switched off. */
    private static final class SeverityFilter extends TurboFilter {
        volatile boolean info = true;
        volatile boolean warning = true;
        volatile boolean error = true;

        @Override
        public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                                  Throwable t) {
            if (level == null) {
                return FilterReply.NEUTRAL;
            }
            boolean on = switch (level.toInt()) {
                case Level.INFO_INT -> info;
                case Level.WARN_INT -> warning;
                case Level.ERROR_INT -> error;
                default -> true;
            };
            return on ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
    }
}
