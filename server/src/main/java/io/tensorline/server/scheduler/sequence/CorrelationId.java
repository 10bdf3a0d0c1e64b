package io.tensorline.server.scheduler.sequence;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;

/**
 * A sequence's id and the flags one request carries, read from the request parameters {@code sequence_id},
 * {@code sequence_start} and {@code sequence_end} as Triton reads them: the id is an unsigned 64-bit number (a
 * negative int64 is its two's complement) or a string of at most 128 characters; 0 and "" mean "no sequence".
 *
 * @param text the string id, or null for a numeric one
 */
record CorrelationId(long number, String text) {

    static final int MAX_STRING_LENGTH = 128;

    boolean isString() {
        return text != null;
    }

    boolean isEmpty() {
        return text == null ? number == 0 : text.isEmpty();
    }

    @Override
    public String toString() {
        return text != null ? text : Long.toUnsignedString(number);
    }

    /** The flags and id of one request. */
    record Flags(CorrelationId id, boolean start, boolean end) {
    }

    static Flags parse(InferenceRequest request) {
        Object raw = request.parameters().get("sequence_id");
        CorrelationId id;
        if (raw == null) {
            id = new CorrelationId(0, null);
        } else if (raw instanceof Long l) {
            id = new CorrelationId(l, null);
        } else if (raw instanceof Integer i) {
            id = new CorrelationId(i, null);
        } else if (raw instanceof String s) {
            if (s.length() > MAX_STRING_LENGTH) {
                throw new InferenceException(ErrorCode.UNSUPPORTED,
                        "string correlation ID cannot be longer than 128 characters");
            }
            id = new CorrelationId(0, s);
        } else {
            throw InferenceException.invalid("invalid value type for 'sequence_id' parameter, expected int64_param "
                    + "or string_param.");
        }
        return new Flags(id, flag(request, "sequence_start"), flag(request, "sequence_end"));
    }

    private static boolean flag(InferenceRequest request, String key) {
        Object v = request.parameters().get(key);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw InferenceException.invalid("invalid value type for '%s' parameter, expected bool_param.", key);
    }
}
