package io.tensorline.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;

/**
 * Which requests have exactly one reading of where their body ends. A front proxy and this server must never
 * disagree about that (request smuggling), so anything RFC 9112 leaves to interpretation is refused: both
 * {@code Content-Length} and {@code Transfer-Encoding}, a transfer coding other than a single {@code chunked}, a
 * repeated header, or a length that is not a plain decimal number.
 */
final class HttpFraming {

    private HttpFraming() {
    }

    /** What makes the request's framing ambiguous, or null when it has none. */
    static String problem(HttpRequest request) {
        HttpHeaders h = request.headers();
        List<String> codings = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> lengths = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (codings.size() > 1) {
            return "Transfer-Encoding is given " + codings.size() + " times (expected: at most once, \"chunked\")";
        }
        if (lengths.size() > 1) {
            return "Content-Length is given " + lengths.size() + " times (expected: at most once)";
        }
        if (codings.size() == 1) {
            String coding = codings.get(0).trim();
            if (!coding.equalsIgnoreCase("chunked")) {
                return "Transfer-Encoding '" + printable(coding) + "' is not supported (expected: chunked)";
            }
            if (!lengths.isEmpty()) {
                return "both Content-Length and Transfer-Encoding are given (expected: one of them)";
            }
        }
        if (lengths.size() == 1 && !isDecimal(lengths.get(0).trim())) {
            return "Content-Length '" + printable(lengths.get(0)) + "' is not a byte count (expected: decimal digits)";
        }
        return null;
    }

    private static boolean isDecimal(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** At most 64 characters, without control characters, for an error message. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
