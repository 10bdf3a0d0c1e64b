package io.tensorline.batch;

/**
 * Reads an FP32 value from a range of a line's characters without making a String for it (a char array, which C1
 * reads much tighter than String.charAt): the digits go into a long significand and a decimal exponent in one
 * pass. A significand up to 2^24 with an exponent within ±10 is exact in float, and so is 10^|exponent|, so one
 * float multiplication or division rounds the exact value once, which is what {@link Float#parseFloat} gives.
 * Anything else ({@code NaN}, {@code Infinity}, hex, a {@code f}/{@code d} suffix, long significands, far
 * exponents, malformed text) is left to {@code Float.parseFloat} on the same characters, so what is accepted and
 * refused stays exactly {@code Float.parseFloat}'s. Stateless.
 */
final class DecimalFloat {

    /** What {@link #parse} returns when it leaves the text to {@link Float#parseFloat}. */
    static final long NOT_FAST = Long.MIN_VALUE;

    private static final float[] POW10 = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    private static final long LIMIT = 1L << 24;

    private DecimalFloat() {
    }

    /**
     * The bits of the float that {@code Float.parseFloat} gives for {@code s[start, end)} (surrounding whitespace,
     * as {@code String.trim} sees it, left out), or {@link #NOT_FAST} when the text is not a plain decimal
     * {@code [+-]digits[.digits][(e|E)[+-]digits]} that the exact path covers.
     */
    static long parse(char[] s, int start, int end) {
        while (start < end && s[start] <= ' ') {
            start++;
        }
        while (end > start && s[end - 1] <= ' ') {
            end--;
        }
        int i = start;
        boolean negative = false;
        if (i < end) {
            char c = s[i];
            if (c == '-' || c == '+') {
                negative = c == '-';
                i++;
            }
        }
        long m = 0;
        int scale = 0;
        int digits = 0;
        char c = 0;
        while (i < end && (c = s[i]) >= '0' && c <= '9') {
            m = m * 10 + (c - '0');
            if (m > LIMIT) {
                return NOT_FAST;
            }
            digits++;
            i++;
        }
        if (i < end && c == '.') {
            i++;
            while (i < end && (c = s[i]) >= '0' && c <= '9') {
                m = m * 10 + (c - '0');
                if (m > LIMIT) {
                    return NOT_FAST;
                }
                scale--;
                digits++;
                i++;
            }
        }
        if (digits == 0) {
            return NOT_FAST;
        }
        if (i < end && (c == 'e' || c == 'E')) {
            i++;
            boolean negativeExp = false;
            if (i < end && (s[i] == '-' || s[i] == '+')) {
                negativeExp = s[i] == '-';
                i++;
            }
            int expStart = i;
            int exp = 0;
            while (i < end && (c = s[i]) >= '0' && c <= '9') {
                if (exp < 1000) {
                    exp = exp * 10 + (c - '0');
                }
                i++;
            }
            if (i == expStart) {
                return NOT_FAST;
            }
            scale += negativeExp ? -exp : exp;
        }
        if (i != end) {
            return NOT_FAST;
        }
        float f;
        if (m == 0) {
            f = 0f;
        } else if (scale >= 0 && scale <= 10) {
            f = (float) m * POW10[scale];
        } else if (scale < 0 && scale >= -10) {
            f = (float) m / POW10[-scale];
        } else {
            return NOT_FAST;
        }
        return Float.floatToRawIntBits(negative ? -f : f);
    }

    /** {@link #parse}, with {@code Float.parseFloat} on the same characters where the exact path does not apply. */
    static float parseFloat(char[] s, int start, int end) {
        long bits = parse(s, start, end);
        return bits == NOT_FAST ? Float.parseFloat(new String(s, start, end - start)) : Float.intBitsToFloat((int) bits);
    }
}
