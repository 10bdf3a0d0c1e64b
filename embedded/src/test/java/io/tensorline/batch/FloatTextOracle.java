package io.tensorline.batch;

/**
 * The FloatText of before the faster search (Math.log10, then every length from 1 digit up tried in turn), kept
 * as the oracle that the new FloatText must match character for character.
 */
final class FloatTextOracle {

    private static final long[] LONG_POW10 = FloatText.LONG_POW10;

    private FloatTextOracle() {
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
        return FloatText.pow10(e);
    }
}
