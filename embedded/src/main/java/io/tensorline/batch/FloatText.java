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
 */
final class FloatText {

    private static final int MIN_EXP = -60;
    private static final double[] POW10 = new double[130];

    static {
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = Double.parseDouble("1e" + (i + MIN_EXP));
        }
    }

    private static final long[] LONG_POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L,
            100_000_000L, 1_000_000_000L, 10_000_000_000L};

    private FloatText() {
    }

    static void append(float f, StringBuilder out) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            out.append(f);
            return;
        }
        if (f == 0) {
            out.append(Float.floatToRawIntBits(f) < 0 ? "-0.0" : "0.0");
            return;
        }
        if (f < 0) {
            out.append('-');
            f = -f;
        }
        double d = f;
        int e = (int) Math.floor(Math.log10(d));
        long m = Math.round(d * pow10(8 - e));
        if (m >= 1_000_000_000L) {
            e++;
            m = Math.round(d * pow10(8 - e));
        } else if (m < 100_000_000L) {
            e--;
            m = Math.round(d * pow10(8 - e));
        }
        // the reals that round to f, shrunk by a margin (see the class comment)
        double next = Math.nextUp(f);
        double lo = (d + Math.nextDown(f)) / 2;
        double hi = Double.isInfinite(next) ? d + Math.ulp(f) / 2.0 : (d + next) / 2;
        double margin = (hi - lo) * 1e-6;
        lo += margin;
        hi -= margin;
        long digits = m;
        int exp = e - 9 + digitCount(m);
        for (int k = 1; k < 9; k++) {
            double scaled = d * pow10(k - 1 - e);
            long below = (long) Math.floor(scaled);
            long first = scaled - below < 0.5 ? below : below + 1;
            long c = inside(first, e - k + 1, lo, hi) ? first
                    : inside(2 * below + 1 - first, e - k + 1, lo, hi) ? 2 * below + 1 - first : -1;
            if (c > 0) {
                digits = c;
                exp = e - k + digitCount(c);
                break;
            }
        }
        while (digits % 10 == 0 && digits >= 10) {
            digits /= 10;
        }
        write(digits, exp, out);
    }

    /** The number {@code digits} (no trailing zeros) with its first digit at decimal position {@code exp}. */
    private static void write(long digits, int exp, StringBuilder out) {
        int n = digitCount(digits);
        if (exp >= -3 && exp < 7) {
            if (exp < 0) {
                out.append("0.");
                for (int i = -1; i > exp; i--) {
                    out.append('0');
                }
                fixed(digits, n, out);
            } else if (n > exp + 1) {
                int fraction = n - exp - 1;
                fixed(digits / LONG_POW10[fraction], exp + 1, out);
                out.append('.');
                fixed(digits % LONG_POW10[fraction], fraction, out);
            } else {
                fixed(digits, n, out);
                for (int i = n; i <= exp; i++) {
                    out.append('0');
                }
                out.append(".0");
            }
        } else {
            fixed(digits / LONG_POW10[n - 1], 1, out);
            out.append('.');
            if (n > 1) {
                fixed(digits % LONG_POW10[n - 1], n - 1, out);
            } else {
                out.append('0');
            }
            out.append('E').append(exp);
        }
    }

    /** Appends {@code v} as exactly {@code width} digits, with leading zeros (filled from the right). */
    private static void fixed(long v, int width, StringBuilder out) {
        int start = out.length();
        out.setLength(start + width);
        for (int i = start + width - 1; i >= start; i--) {
            out.setCharAt(i, (char) ('0' + v % 10));
            v /= 10;
        }
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

    private static double pow10(int e) {
        return POW10[e - MIN_EXP];
    }
}
