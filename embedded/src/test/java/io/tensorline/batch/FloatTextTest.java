package io.tensorline.batch;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatTextTest {

    /** A JSON number, or Java's names for the non-finite values (as Float.toString writes them). */
    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)\\.[0-9]+(E-?[0-9]+)?|NaN|-?Infinity");

    private static String text(float f) {
        StringBuilder b = new StringBuilder();
        FloatText.append(f, b);
        return b.toString();
    }

    private static void assertRoundTrips(float f) {
        String s = text(f);
        assertTrue(NUMBER.matcher(s).matches(), s + " for " + Float.toString(f));
        assertEquals(Float.floatToIntBits(f), Float.floatToIntBits(Float.parseFloat(s)), s + " for " + f);
        int significant = s.replaceAll("E.*", "").replaceAll("[-.]", "").replaceAll("^0+", "").length();
        assertTrue(significant <= 9, s);
    }

    @Test
    void edgeCasesReadBackAsTheSameFloat() {
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL),
                Float.MAX_VALUE, -Float.MAX_VALUE, Math.nextDown(Float.MAX_VALUE), 1f, -1f, 0.1f, 0.2f, 0.3f,
                1e-3f, Math.nextDown(1e-3f), 1e7f, Math.nextDown(1e7f), 9_999_999f, 16_777_216f, 3.4e38f, 1.17549435E-38f,
                123.456f, 2.7182817f, 3.1415927f, 0.33333334f, 1e10f, 1e-10f, 7e-45f};
        for (float f : edges) {
            assertRoundTrips(f);
        }
        for (int e = -45; e <= 38; e++) {
            float p = Float.parseFloat("1e" + e);
            assertRoundTrips(p);
            assertRoundTrips(Math.nextUp(p));
            assertRoundTrips(Math.nextDown(p));
        }
        for (int e = -149; e <= 127; e++) {
            float p = Math.scalb(1f, e);
            assertRoundTrips(p);
            assertRoundTrips(Math.nextDown(p));
        }
    }

    @Test
    void nonFiniteValuesAsFloatToStringWritesThem() {
        assertEquals("NaN", text(Float.NaN));
        assertEquals("Infinity", text(Float.POSITIVE_INFINITY));
        assertEquals("-Infinity", text(Float.NEGATIVE_INFINITY));
        assertEquals("-0.0", text(-0f));
    }

    @Test
    void layoutFollowsFloatToString() {
        assertEquals("1.0", text(1f));
        assertEquals("0.1", text(0.1f));
        assertEquals("123.5", text(123.5f));
        assertEquals("0.001", text(0.001f));
        assertEquals("1.0E-4", text(1e-4f));
        assertEquals("1234567.0", text(1234567f));
        assertEquals("1.0E7", text(1e7f));
        assertEquals("-2.5E-8", text(-2.5e-8f));
        assertEquals("3.4028235E38", text(Float.MAX_VALUE));
        assertEquals("1.0E-45", text(Float.MIN_VALUE)); // shorter than Float.toString's 1.4E-45, and reads back the same
    }

    @Test
    void randomBitPatternsReadBackAsTheSameFloat() {
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 1_000_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(f)) {
                continue;
            }
            if (i % 16 == 0) {
                assertRoundTrips(f); // with the layout checks, which cost more than the round trip itself
            } else {
                String s = text(f);
                assertEquals(Float.floatToIntBits(f), Float.floatToIntBits(Float.parseFloat(s)), s + " for " + f);
            }
        }
    }

    @Test
    void randomModelOutputsAreNoLongerThanFloatToString() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) ((random.nextDouble() - 0.5) * 8);
            assertRoundTrips(f);
            String mine = text(f);
            String jdk = Float.toString(f);
            assertTrue(mine.length() <= jdk.length(), mine + " vs " + jdk);
        }
    }

    private static void assertAsBefore(float f) {
        StringBuilder before = new StringBuilder();
        FloatTextOracle.append(f, before);
        assertEquals(before.toString(), text(f), "for bits " + Integer.toHexString(Float.floatToRawIntBits(f)));
    }

    @Test
    void writesWhatTheFormerSearchWroteOnRandomBitsAndEdges() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 1_000_000; i++) {
            assertAsBefore(Float.intBitsToFloat(random.nextInt()));
        }
        for (int i = 0; i < 300_000; i++) {
            assertAsBefore((float) ((random.nextDouble() - 0.5) * 8)); // the like of model outputs
            assertAsBefore(Float.parseFloat(Integer.toString(random.nextInt(1_000_000))) / 1000f); // short decimals
        }
        for (int e = -149; e <= 127; e++) {
            float p = Math.scalb(1f, e);
            for (int step = -2; step <= 2; step++) {
                assertAsBefore(Float.intBitsToFloat(Float.floatToRawIntBits(p) + step));
            }
        }
        for (int e = -45; e <= 38; e++) {
            float p = Float.parseFloat("1e" + e);
            for (int step = -3; step <= 3; step++) {
                assertAsBefore(Float.intBitsToFloat(Float.floatToRawIntBits(p) + step));
            }
        }
        for (int bits = 0; bits < 100_000; bits++) {
            assertAsBefore(Float.intBitsToFloat(bits)); // the smallest subnormals
            assertAsBefore(Float.intBitsToFloat(0x7f7fffff - bits)); // the largest floats
        }
        float[] edges = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1e7f, 9_999_999f, 16_777_216f, 0.001f, 1e-3f};
        for (float f : edges) {
            assertAsBefore(f);
        }
    }
}
