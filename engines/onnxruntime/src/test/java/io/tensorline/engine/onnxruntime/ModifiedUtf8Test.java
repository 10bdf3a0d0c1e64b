package io.tensorline.engine.onnxruntime;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModifiedUtf8Test {

    private static String problem(byte... bytes) {
        return ModifiedUtf8.INSTANCE.problem(ByteBuffer.wrap(bytes));
    }

    private static void assertProblem(String part, byte... bytes) {
        String p = problem(bytes);
        assertTrue(p != null && p.startsWith(part), String.valueOf(p));
    }

    @Test
    void textOfTheBasicPlanePasses() {
        assertNull(problem("plain ascii, grüße, €, 日本語".getBytes(StandardCharsets.UTF_8)));
        assertNull(problem());
    }

    @Test
    void nulIsRefusedWhereItIs() {
        assertProblem("it holds a NUL byte at offset 2", (byte) 'a', (byte) 'b', (byte) 0);
    }

    @Test
    void fourByteCharactersAreRefused() {
        assertProblem("it holds a character beyond U+FFFF at offset 0", "🙂".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void malformedSequencesAreRefused() {
        assertProblem("it is not valid UTF-8 at offset 0", (byte) 0xFF);
        assertProblem("it is not valid UTF-8 at offset 0", (byte) 0xC0, (byte) 0x80); // overlong NUL
        assertProblem("it is not valid UTF-8 at offset 0", (byte) 0xE0, (byte) 0x80, (byte) 0x80); // overlong
        assertProblem("it is not valid UTF-8 at offset 0", (byte) 0xED, (byte) 0xA0, (byte) 0x80); // surrogate
        assertProblem("it is not valid UTF-8 at offset 1", (byte) 'x', (byte) 0xE2, (byte) 0x82); // truncated
        assertProblem("it is not valid UTF-8 at offset 0", (byte) 0x80); // lone continuation
    }

    @Test
    void onlyTheElementBetweenPositionAndLimitIsRead() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {0, 'o', 'k', 0});
        assertNull(ModifiedUtf8.INSTANCE.problem(b.position(1).limit(3)));
    }
}
