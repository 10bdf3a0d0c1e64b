package io.tensorline.batch;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecimalFloatTest {

    /** The parser's answer for {@code text} (placed inside other characters) equals Float.parseFloat's. */
    private static void assertSame(String text) {
        char[] padded = ("x," + text + ",y").toCharArray();
        float expected;
        try {
            expected = Float.parseFloat(text);
        } catch (NumberFormatException e) {
            assertEquals(DecimalFloat.NOT_FAST, DecimalFloat.parse(padded, 2, 2 + text.length()), text);
            assertThrows(NumberFormatException.class, () -> DecimalFloat.parseFloat(padded, 2, 2 + text.length()));
            return;
        }
        float got = DecimalFloat.parseFloat(padded, 2, 2 + text.length());
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), text);
    }

    @Test
    void edgeCasesAsFloatParseFloatReadsThem() {
        String[] cases = {"0", "-0", "+0", "0.0", "-0.0", "-0e5", "00012", "0.000", "1", "-1", "+1.5", ".5", "5.", "-.5",
                "1e10", "1E10", "1e+10", "1e-10", "16777216", "16777217", "16777215", "-16777217", "0.1", "0.3",
                "3.4028235e38", "3.4028236e38", "3.5e38", "1e39", "-1e39", "1.4e-45", "1e-45", "7e-46", "7.1e-46",
                "1e-46", "1.17549435E-38", "1.1754942E-38", "123456789", "1.23456789", "0.000000001234567891",
                "9999999999", "12345678901234567890", "1e0000000000000000010", "1e-999", "1e999", " 1.5 ", "\t2",
                "NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "1f", "1d", "1.5F", "0x1p3", "", " ", "-", "+",
                ".", "e5", "1e", "1e+", "1.2.3", "1,5", "--1", "1-", "abc", "1e5x", "١"};
        for (String c : cases) {
            assertSame(c);
        }
        assertTrue(DecimalFloat.parse("0.25".toCharArray(), 0, 4) != DecimalFloat.NOT_FAST);
    }

    @Test
    void randomDecimalsOfManyShapesAsFloatParseFloatReadsThem() {
        SplittableRandom random = new SplittableRandom(7);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 1_000_000; i++) {
            b.setLength(0);
            int sign = random.nextInt(4);
            if (sign == 0) {
                b.append('-');
            } else if (sign == 1) {
                b.append('+');
            }
            int intDigits = random.nextInt(12);
            int zeros = random.nextInt(4) == 0 ? random.nextInt(4) : 0;
            for (int d = 0; d < zeros; d++) {
                b.append('0');
            }
            for (int d = 0; d < intDigits; d++) {
                b.append((char) ('0' + random.nextInt(10)));
            }
            if (random.nextBoolean()) {
                b.append('.');
                int fraction = random.nextInt(12);
                for (int d = 0; d < fraction; d++) {
                    b.append((char) ('0' + random.nextInt(10)));
                }
            }
            if (random.nextInt(3) == 0) {
                b.append(random.nextBoolean() ? 'e' : 'E');
                int es = random.nextInt(3);
                if (es == 1) {
                    b.append('-');
                } else if (es == 2) {
                    b.append('+');
                }
                b.append(random.nextInt(random.nextBoolean() ? 12 : 50));
            }
            assertSame(b.toString());
        }
    }

    @Test
    void floatsWrittenOutReadBackToTheSameBits() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(f)) {
                assertSame(Float.toString(f));
                if (i % 10 == 0) {
                    assertSame(String.format(java.util.Locale.ROOT, "%.6g", f));
                }
            }
        }
    }
}
