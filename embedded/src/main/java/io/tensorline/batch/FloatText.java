package io.tensorline.batch;

/**
 * Writes an FP32 value as the shortest decimal (up to 9 significant digits) that reads back as the same float, in
 * {@link Float#toString}'s layout ({@code 0.001234}, {@code 123.5}, {@code 1.0E10}, {@code NaN}), several times
 * faster than JDK 17's {@code Float.toString}, with no allocation. Stateless.
 *
 * <p>Why it is exact: the float is first rounded to 9 significant digits in double arithmetic. A decimal step of
 * 9 digits is at most 1/5.9 of the float's spacing, and the double arithmetic is 2^29 times finer than that, so
 * this decimal lies well inside the interval of reals that round to the float (9 digits always suffice). Shorter
 * decimals (the two neighbours of the float at 1 digit, then 2, ...) are tried first, and one is taken only if it
 * lies strictly inside that interval shrunk
 * by a margin a million times wider than the double arithmetic's error, so whatever is written parses back to the
 * same bits (tested against {@link Float#parseFloat} on random bit patterns and the edge cases).
 *
 * <p>Why it is fast (the batch writer runs it three times a row, often under C1 only): the decimal exponent comes
 * from the binary one and one comparison (no {@code Math.log10}), and the lengths that cannot hold a decimal inside
 * the interval are ruled out by integer tests on the interval at the scale of 9 digits, widened by far more than
 * the arithmetic's error, so the exact test above runs for about one length instead of up to eight. Which decimal
 * is written is decided by the same test as before on the same operands, so the output is unchanged character for
 * character (checked against the former search, kept as the test oracle {@code FloatTextOracle}).
 */
final class FloatText {

    private static final int MIN_EXP = -60;
    private static final double[] POW10 = new double[130];

    static {
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = Double.parseDouble("1e" + (i + MIN_EXP));
        }
    }

    /** 10^0 to 10^10 (shared with the test oracle). */
    static final long[] LONG_POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L,
            100_000_000L, 1_000_000_000L, 10_000_000_000L};

    private FloatText() {
    }

    static void append(float f, StringBuilder out) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7f800000) == 0x7f800000) {
            out.append(f); // NaN, Infinity, -Infinity
            return;
        }
        if ((bits & 0x7fffffff) == 0) {
            out.append(bits < 0 ? "-0.0" : "0.0");
            return;
        }
        boolean negative = bits < 0;
        if (negative) {
            bits &= 0x7fffffff;
            f = -f;
        }
        double d = f;
        // floor(log10(d)): every float is a normal double, whose binary exponent gives it to within one
        int binary = (int) (Double.doubleToRawLongBits(d) >>> 52) - 1023;
        int e = (binary * 78913) >> 18;
        if (d >= pow10(e + 1)) {
            e++;
        }
        long m = Math.round(d * pow10(8 - e));
        if (m >= 1_000_000_000L) {
            e++;
            m = Math.round(d * pow10(8 - e));
        } else if (m < 100_000_000L) {
            e--;
            m = Math.round(d * pow10(8 - e));
        }
        // the reals that round to f, shrunk by a margin (see the class comment)
        float up = Float.intBitsToFloat(bits + 1);
        double lo = (d + Float.intBitsToFloat(bits - 1)) / 2;
        double hi = bits == 0x7f7fffff ? d + Math.ulp(f) / 2.0 : (d + up) / 2;
        double margin = (hi - lo) * 1e-6;
        lo += margin;
        hi -= margin;
        long digits = m;
        int exp = e - 9 + digitCount(m);
        // The interval at the scale of 9 digits, widened by a unit (far more than the double arithmetic's error):
        // a length k can only give a decimal if a multiple of 10^(9-k) lies in it, and the lengths that can are
        // the longer ones, so only those are tried, shortest first, by the exact test below.
        long low9 = (long) (lo * pow10(8 - e)) - 1;
        long high9 = (long) (hi * pow10(8 - e)) + 1;
        int k = 9;
        while (k > 1 && (high9 / LONG_POW10[10 - k]) * LONG_POW10[10 - k] >= low9) {
            k--;
        }
        for (; k < 9; k++) {
            double scaled = d * pow10(k - 1 - e);
            long below = (long) scaled;
            long first = scaled - below < 0.5 ? below : below + 1;
            long c = inside(first, e - k + 1, lo, hi) ? first
                    : inside(2 * below + 1 - first, e - k + 1, lo, hi) ? 2 * below + 1 - first : -1;
            if (c > 0) {
                digits = c;
                exp = e - k + digitCount(c);
                break;
            }
        }
        int v = (int) digits; // below 10^9
        int tenth;
        while (v >= 10 && v == (tenth = div10(v)) * 10) {
            v = tenth;
        }
        write(negative, v, exp, out);
    }

    /**
     * The number {@code digits} (no trailing zeros) with its first digit at decimal position {@code exp}, composed
     * in a small array and appended at once (one StringBuilder call instead of one per character).
     */
    private static void write(boolean negative, int digits, int exp, StringBuilder out) {
        char[] b = new char[24];
        int p = 0;
        if (negative) {
            b[p++] = '-';
        }
        int n = digitCount(digits);
        if (exp >= -3 && exp < 7) {
            if (exp < 0) {
                b[p++] = '0';
                b[p++] = '.';
                for (int i = -1; i > exp; i--) {
                    b[p++] = '0';
                }
                p = fixed(digits, n, b, p);
            } else if (n > exp + 1) {
                int fraction = n - exp - 1;
                int scale = (int) LONG_POW10[fraction];
                int whole = digits / scale;
                p = fixed(whole, exp + 1, b, p);
                b[p++] = '.';
                p = fixed(digits - whole * scale, fraction, b, p);
            } else {
                p = fixed(digits, n, b, p);
                for (int i = n; i <= exp; i++) {
                    b[p++] = '0';
                }
                b[p++] = '.';
                b[p++] = '0';
            }
        } else {
            int scale = (int) LONG_POW10[n - 1];
            int lead = digits / scale;
            b[p++] = (char) ('0' + lead);
            b[p++] = '.';
            if (n > 1) {
                p = fixed(digits - lead * scale, n - 1, b, p);
            } else {
                b[p++] = '0';
            }
            b[p++] = 'E';
            int x = exp;
            if (x < 0) {
                b[p++] = '-';
                x = -x;
            }
            if (x >= 10) {
                int tens = div10(x);
                b[p++] = (char) ('0' + tens);
                x -= tens * 10;
            }
            b[p++] = (char) ('0' + x);
        }
        out.append(b, 0, p);
    }

    /** Writes {@code v} as exactly {@code width} digits, with leading zeros, at {@code at}; returns the end. */
    private static int fixed(int v, int width, char[] b, int at) {
        for (int i = at + width - 1; i >= at; i--) {
            int q = div10(v);
            b[i] = (char) ('0' + v - q * 10);
            v = q;
        }
        return at + width;
    }

    /** {@code v / 10} for {@code 0 <= v < 2^31} by a multiplication (C1 does not do that for a division). */
    private static int div10(int v) {
        return (int) ((v * 3435973837L) >>> 35);
    }

    /** Whether {@code c * 10^scale} lies strictly between {@code lo} and {@code hi}. */
    private static boolean inside(long c, int scale, double lo, double hi) {
        double value = c * pow10(scale);
        return c > 0 && value > lo && value < hi;
    }

    private static int digitCount(long v) {
        int n = 1;
        while (n < LONG_POW10.length && v >= LONG_POW10[n]) {
            n++;
        }
        return n;
    }

    /** 10^e as the nearest double, for e from -60 to 69 (shared with the test oracle). */
    static double pow10(int e) {
        return POW10[e - MIN_EXP];
    }
}
