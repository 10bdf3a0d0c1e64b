package io.tensorline.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up log configuration Logback finds through ServiceLoader instead of a logback.xml. */
class StartupLogConfiguratorTest {

    @Test
    void configuresInfoToStderrInTritonsShape() {
        LoggerContext context = new LoggerContext();
        StartupLogConfigurator configurator = new StartupLogConfigurator();
        configurator.setContext(context);
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configurator.configure(context));
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("tensorline");
        assertNotNull(console);
        assertTrue(console.isStarted());
        assertEquals("System.err", console.getTarget());
        assertEquals("%.-1level%d{MMdd HH:mm:ss.SSS} %thread %logger{0}] %msg%n",
                ((PatternLayoutEncoder) console.getEncoder()).getPattern());
        context.stop();
    }

    @Test
    void isRegisteredForLogbacksServiceLoader() throws IOException {
        try (InputStream in = StartupLogConfigurator.class.getResourceAsStream(
                "/META-INF/services/ch.qos.logback.classic.spi.Configurator")) {
            assertNotNull(in);
            assertEquals(StartupLogConfigurator.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .trim());
        }
    }
}
