package io.tensorline.server.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The binding thread's hand-over (the end-to-end behaviour is in {@code e2e.EarlyEndpointsTest}). */
class EarlyEndpointsTest {

    @Test
    void awaitReturnsWhatTheBinderBound() throws Exception {
        EarlyEndpoints.Bound bound = new EarlyEndpoints.Bound(null, null, null);
        for (boolean early : new boolean[] {true, false}) {
            assertSame(bound, EarlyEndpoints.start(true, early, () -> bound).await());
        }
    }

    @Test
    void aBindingFailureIsThrownByAwait() {
        IOException e = assertThrows(IOException.class, () -> EarlyEndpoints.start(true, true, () -> {
            throw new IOException("port 8000 in use");
        }).await());
        assertEquals("port 8000 in use", e.getMessage());
    }

    @Test
    void lateBindingNeverBindsWhenStartUpFailsFirst() {
        AtomicInteger binds = new AtomicInteger();
        EarlyEndpoints endpoints = EarlyEndpoints.start(true, false, () -> {
            binds.incrementAndGet();
            return EarlyEndpoints.Bound.NONE;
        });
        endpoints.abandon(); // waits for the thread to finish
        assertEquals(0, binds.get());
    }

    @Test
    void withNoEndpointOnNothingBinds() throws Exception {
        AtomicInteger binds = new AtomicInteger();
        assertSame(EarlyEndpoints.Bound.NONE, EarlyEndpoints.start(false, true, () -> {
            binds.incrementAndGet();
            return EarlyEndpoints.Bound.NONE;
        }).await());
        assertEquals(0, binds.get());
    }

    @Test
    void lateUnlessTurnedOn() {
        String before = System.getProperty(EarlyEndpoints.SWITCH);
        try {
            System.clearProperty(EarlyEndpoints.SWITCH);
            assertEquals(false, EarlyEndpoints.early());
            System.setProperty(EarlyEndpoints.SWITCH, "true");
            assertEquals(true, EarlyEndpoints.early());
        } finally {
            if (before == null) {
                System.clearProperty(EarlyEndpoints.SWITCH);
            } else {
                System.setProperty(EarlyEndpoints.SWITCH, before);
            }
        }
    }
}
