package io.tensorline.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

import org.slf4j.Logger;

/**
 * Logback's configuration until the server installs its own settings ({@link LogControl}): INFO and above to
 * stderr, in Triton's default shape. Set in code, found by Logback through {@code ServiceLoader}, instead of a
 * {@code logback.xml}: reading XML costs every start Logback's XML parser and its reflective configurator (about
 * 0.2 s of CPU measured on a cold JVM). A {@code -Dlogback.configurationFile} still wins: then Logback reads it.
 */
public final class StartupLogConfigurator extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%.-1level%d{MMdd HH:mm:ss.SSS} %thread %logger{0}] %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("tensorline");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
