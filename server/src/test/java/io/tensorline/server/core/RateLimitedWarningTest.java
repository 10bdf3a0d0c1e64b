package io.tensorline.server.core;

import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RateLimitedWarningTest {

    /** Records WARN lines and whether a stack trace came with them. */
    static final class Recorder extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();
        final List<Throwable> traces = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                                                   Throwable t) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
            traces.add(t);
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void oneLinePerIntervalWithoutStackTracesCountingWhatWasLeftOut() {
        Recorder log = new Recorder();
        long[] now = {1_000};
        RateLimitedWarning w = new RateLimitedWarning(log, "connection failed", 10_000, () -> now[0]);
        IllegalStateException failure = new IllegalStateException("boom", new IllegalArgumentException("root"));

        w.warn("peer-1", failure);
        now[0] += 9_999;
        w.warn("peer-2", failure);
        w.warn("peer-3", failure);
        now[0] += 1;
        w.warn("peer-4", failure);

        assertEquals(List.of(
                "WARN connection failed (peer-1): IllegalStateException: boom <- IllegalArgumentException: root",
                "WARN connection failed (peer-4): IllegalStateException: boom <- IllegalArgumentException: root "
                        + "[2 more since the last such line]"), log.lines);
        log.traces.forEach(t -> assertNull(t));
    }
}
