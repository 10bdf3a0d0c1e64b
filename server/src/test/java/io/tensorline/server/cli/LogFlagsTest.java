package io.tensorline.server.cli;

import io.tensorline.server.logging.LogSettings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFlagsTest {

    private static LogSettings parse(String... args) throws Flags.UsageException {
        return LogFlags.from(LogFlags.declare(new Flags()).parse(args));
    }

    @Test
    void defaultsAreTritons() throws Exception {
        assertEquals(LogSettings.defaults(), parse());
    }

    @Test
    void everyFlagIsRead() throws Exception {
        assertEquals(new LogSettings(false, true, false, 2, LogSettings.Format.ISO8601, "/tmp/t.log"),
                parse("--log-info=false", "--log-error=false", "--log-verbose=2", "--log-format=ISO8601",
                        "--log-file", "/tmp/t.log"));
    }

    @Test
    void verboseTakesTrueAndFalse() throws Exception {
        assertEquals(1, parse("--log-verbose=true").verboseLevel());
        assertEquals(0, parse("--log-verbose=false").verboseLevel());
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class, () -> parse("--log-format=json"));
        assertTrue(e.getMessage().startsWith("invalid argument for --log-format"), e.getMessage());
    }
}
