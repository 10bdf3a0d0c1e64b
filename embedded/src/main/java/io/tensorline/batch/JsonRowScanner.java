package io.tensorline.batch;

import java.util.List;

/**
 * A strict JSON (RFC 8259) scanner for one JSON Lines row that builds no tree: one pass checks the whole line and
 * notes where the value of each wanted top-level field starts (the last one wins when a key repeats, as in most
 * parsers); the values are then walked in place by {@link JsonLinesSource}. Numbers stay text until their input's
 * datatype reads them ({@link #parseFloat}, {@link #parseDouble}). Confined to the reading thread.
 */
final class JsonRowScanner {

    /** Deeper nesting than this is refused rather than risking the reading thread's stack. */
    static final int MAX_DEPTH = 64;

    private static final float[] POW10_F = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    private static final double[] POW10_D = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    private static final long SIGNIFICAND_LIMIT = 100_000_000_000_000_000L; // m * 10 + 9 stays a long

    private final String[] fields;
    private final int[] valueStart;
    private String s;
    // the line's characters: array reads, which C1 compiles much tighter than String.charAt
    private char[] chars = new char[256];
    private int n;
    private int pos;

    /** @param fields the distinct top-level keys whose values are wanted */
    JsonRowScanner(List<String> fields) {
        this.fields = fields.toArray(new String[0]);
        this.valueStart = new int[this.fields.length];
    }

    /** Checks {@code line} is one JSON object and finds the wanted fields. */
    void scan(String line) throws BadRowException {
        s = line;
        n = line.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        line.getChars(0, n, chars, 0);
        pos = 0;
        java.util.Arrays.fill(valueStart, -1);
        skipWhitespace();
        if (pos >= n || chars[pos] != '{') {
            if (pos < n && "[\"-0123456789tfn".indexOf(chars[pos]) >= 0) {
                skipValue(0);
                skipWhitespace();
                if (pos == n) {
                    throw new BadRowException("the line is not a JSON object");
                }
            }
            throw invalid("expected '{'");
        }
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                if (peek() != '"') {
                    throw invalid("expected a field name in double quotes");
                }
                int keyStart = pos;
                boolean escaped = skipString();
                int keyEnd = pos;
                skipWhitespace();
                expect(':');
                skipWhitespace();
                int field = field(keyStart + 1, keyEnd - 1, escaped);
                if (field >= 0) {
                    valueStart[field] = pos;
                }
                skipValue(1);
                skipWhitespace();
                char c = peek();
                pos++;
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    pos--;
                    throw invalid("expected ',' or '}'");
                }
                skipWhitespace();
            }
        }
        skipWhitespace();
        if (pos != n) {
            throw invalid("unexpected text after the object");
        }
    }

    /** Where field {@code i}'s value starts in the line, or -1 when the object lacks it. */
    int valueStart(int i) {
        return valueStart[i];
    }

    /** The position after the JSON whitespace at {@code at}. */
    int skipWhitespace(int at) {
        while (at < n) {
            char c = chars[at];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            at++;
        }
        return at;
    }

    /** The end of the (already checked) number at {@code at}. */
    int numberEnd(int at) {
        significand(at);
        return numberEnd;
    }

    /** The end of the (already checked) string whose opening quote is at {@code at}, past the closing quote. */
    int stringEnd(int at) {
        at++;
        while (true) {
            char c = chars[at++];
            if (c == '"') {
                return at;
            }
            if (c == '\\') {
                at++;
            }
        }
    }

    /** The text of the (already checked) string literal from {@code start} to {@code end}, escapes decoded. */
    String decode(int start, int end) {
        int from = start + 1;
        int to = end - 1;
        int slash = s.indexOf('\\', from);
        if (slash < 0 || slash >= to) {
            return s.substring(from, to);
        }
        StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = chars[i];
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = chars[++i];
            switch (e) {
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    b.append((char) Integer.parseInt(s, i + 1, i + 5, 16));
                    i += 4;
                }
                default -> b.append(e); // '"', '\\', '/'
            }
        }
        return b.toString();
    }

    String text(int start, int end) {
        return s.substring(start, end);
    }

    char charAt(int at) {
        return at < n ? chars[at] : '\0';
    }

    /**
     * The float nearest to the (already checked) JSON number at {@code start}, as {@link Float#parseFloat} gives it;
     * {@link #numberEnd()} is then where it ends. Up to 2^24 in the significand and a decimal exponent within ±10
     * take one exactly rounded float operation on exact operands; anything else goes to {@code Float.parseFloat}.
     */
    float parseFloat(int start) {
        long m = significand(start);
        int e10 = exponent10;
        if (m >= 0) {
            boolean negative = chars[start] == '-';
            if (m == 0) {
                return negative ? -0f : 0f;
            }
            if (m <= 1L << 24 && e10 >= -10 && e10 <= 10) {
                float f = e10 >= 0 ? (float) m * POW10_F[e10] : (float) m / POW10_F[-e10];
                return negative ? -f : f;
            }
        }
        return Float.parseFloat(s.substring(start, numberEnd));
    }

    /** The double nearest to the (already checked) JSON number (Clinger's fast path, else {@code parseDouble}). */
    double parseDouble(int start) {
        long m = significand(start);
        int e10 = exponent10;
        if (m >= 0) {
            boolean negative = chars[start] == '-';
            if (m == 0) {
                return negative ? -0d : 0d;
            }
            if (m <= 1L << 53 && e10 >= -22 && e10 <= 22) {
                double d = e10 >= 0 ? (double) m * POW10_D[e10] : (double) m / POW10_D[-e10];
                return negative ? -d : d;
            }
        }
        return Double.parseDouble(s.substring(start, numberEnd));
    }

    /** Where the number last read by {@link #parseFloat} or {@link #parseDouble} ends. */
    int numberEnd() {
        return numberEnd;
    }

    /** Set by {@link #significand}: the decimal exponent that goes with it, and where the number ends. */
    private int exponent10;
    private int numberEnd;

    /**
     * The (already checked) number's decimal digits as one integer, sign left out, or -1 when they do not fit in
     * 18 digits; its power of ten in {@link #exponent10}, its end in {@link #numberEnd}. One pass over the text.
     */
    private long significand(int start) {
        int i = start;
        if (charAt(i) == '-') {
            i++;
        }
        long m = 0;
        int scale = 0;
        boolean fits = true;
        char c;
        while ((c = charAt(i)) >= '0' && c <= '9') {
            if (m < SIGNIFICAND_LIMIT) {
                m = m * 10 + (c - '0');
            } else {
                fits = false;
            }
            i++;
        }
        if (c == '.') {
            i++;
            while ((c = charAt(i)) >= '0' && c <= '9') {
                if (m < SIGNIFICAND_LIMIT) {
                    m = m * 10 + (c - '0');
                    scale--;
                } else if (c != '0') {
                    fits = false; // trailing zeros past the limit change nothing
                }
                i++;
            }
        }
        int exp = 0;
        if (c == 'e' || c == 'E') {
            i++;
            c = charAt(i);
            boolean negative = c == '-';
            if (c == '-' || c == '+') {
                i++;
            }
            while ((c = charAt(i)) >= '0' && c <= '9') {
                if (exp < 100_000) {
                    exp = exp * 10 + (c - '0');
                }
                i++;
            }
            if (negative) {
                exp = -exp;
            }
        }
        numberEnd = i;
        exponent10 = exp + scale;
        return fits ? m : -1;
    }

    private int field(int from, int to, boolean escaped) {
        String key = escaped ? decode(from - 1, to + 1) : null;
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (key != null ? key.equals(f) : f.length() == to - from && s.regionMatches(from, f, 0, f.length())) {
                return i;
            }
        }
        return -1;
    }

    private void skipValue(int depth) throws BadRowException {
        char c = peek();
        switch (c) {
            case '{' -> {
                nest(depth);
                pos++;
                skipWhitespace();
                if (peek() == '}') {
                    pos++;
                    return;
                }
                while (true) {
                    if (peek() != '"') {
                        throw invalid("expected a field name in double quotes");
                    }
                    skipString();
                    skipWhitespace();
                    expect(':');
                    skipWhitespace();
                    skipValue(depth + 1);
                    skipWhitespace();
                    if (!separator('}')) {
                        return;
                    }
                }
            }
            case '[' -> {
                nest(depth);
                pos++;
                skipWhitespace();
                if (peek() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    skipValue(depth + 1);
                    skipWhitespace();
                    if (!separator(']')) {
                        return;
                    }
                }
            }
            case '"' -> skipString();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    skipNumber();
                } else {
                    throw invalid(pos >= n ? "the line ends where a value was expected" : "expected a value");
                }
            }
        }
    }

    /** After an element: true at ',' (more follow), false at {@code close} (consumed). */
    private boolean separator(char close) throws BadRowException {
        char c = peek();
        if (c == ',') {
            pos++;
            skipWhitespace();
            return true;
        }
        if (c == close) {
            pos++;
            return false;
        }
        throw invalid("expected ',' or '" + close + "'");
    }

    private void nest(int depth) throws BadRowException {
        if (depth >= MAX_DEPTH) {
            throw invalid("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    /** Skips a string (at its opening quote); true when it holds escapes. */
    private boolean skipString() throws BadRowException {
        pos++;
        boolean escaped = false;
        while (true) {
            if (pos >= n) {
                throw invalid("the line ends inside a string");
            }
            char c = chars[pos++];
            if (c == '"') {
                return escaped;
            }
            if (c < 0x20) {
                pos--;
                throw invalid("a control character inside a string (expected: an escape such as \\n)");
            }
            if (c == '\\') {
                escaped = true;
                char e = peek();
                if (e == 'u') {
                    for (int k = 1; k <= 4; k++) {
                        if (!hex(charAt(pos + k))) {
                            throw invalid("a \\u escape needs four hex digits");
                        }
                    }
                    pos += 5;
                } else if ("\"\\/bfnrt".indexOf(e) >= 0 && e != '\0') {
                    pos++;
                } else {
                    throw invalid("an unknown escape in a string");
                }
            }
        }
    }

    private void skipNumber() throws BadRowException {
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (!digits()) {
            throw invalid("a number needs digits");
        }
        if (peek() == '.') {
            pos++;
            if (!digits()) {
                throw invalid("a number needs digits after '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digits()) {
                throw invalid("a number needs digits in its exponent");
            }
        }
        char c = peek();
        if (c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || Character.isLetter(c)) {
            throw invalid("a malformed number");
        }
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private boolean digits() {
        int start = pos;
        while (pos < n && chars[pos] >= '0' && chars[pos] <= '9') {
            pos++;
        }
        return pos > start;
    }

    private void literal(String word) throws BadRowException {
        if (!s.startsWith(word, pos) || Character.isLetterOrDigit(charAt(pos + word.length()))) {
            throw invalid("expected a value");
        }
        pos += word.length();
    }

    private void expect(char c) throws BadRowException {
        if (peek() != c) {
            throw invalid("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return charAt(pos);
    }

    private void skipWhitespace() {
        pos = skipWhitespace(pos);
    }

    private BadRowException invalid(String what) {
        return new BadRowException("the line is not valid JSON: " + what + " at column " + (pos + 1));
    }
}
