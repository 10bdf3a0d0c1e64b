package io.tensorline.server.logging;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request of the logging extension, key by key, in Triton's words: values arrive as Boolean, Long, String or
 * null (JSON null, ignored as Triton ignores it), whichever transport sent them. Unknown keys are refused rather
 * than dropped. Used by one request on one thread.
 */
public final class LogSettingsUpdate {

    public static final String INFO = "log_info";
    public static final String WARNING = "log_warning";
    public static final String ERROR = "log_error";
    public static final String VERBOSE = "log_verbose_level";
    public static final String FORMAT = "log_format";
    public static final String FILE = "log_file";

    private final boolean grpc;
    private LogSettings next;

    /** @param grpc gRPC and HTTP word a few refusals differently, as Triton does */
    public LogSettingsUpdate(LogSettings current, boolean grpc) {
        this.next = current;
        this.grpc = grpc;
    }

    public LogSettingsUpdate set(String key, Object value) {
        if (value == null && !grpc) {
            return this;
        }
        switch (key) {
            case INFO -> next = next.withInfo(bool(key, value));
            case WARNING -> next = next.withWarning(bool(key, value));
            case ERROR -> next = next.withError(bool(key, value));
            case VERBOSE -> {
                if (!(value instanceof Long n) || n < 0 || n > Integer.MAX_VALUE) {
                    throw InferenceException.invalid("expect int32 for '%s' (got %s; expected: an unsigned integer"
                            + "%s)", key, value, grpc ? " in uint32_param" : "");
                }
                next = next.withVerboseLevel((int) (long) n);
            }
            case FORMAT -> {
                if (!(value instanceof String s)) {
                    throw InferenceException.invalid("expect string for '%s'", key);
                }
                LogSettings.Format f = LogSettings.Format.fromWireName(s);
                if (f == null) {
                    throw grpc
                            ? InferenceException.invalid("invalid argument for log_format, got: %s", s)
                            : InferenceException.unavailable("invalid argument for --log_format, got: %s", s);
                }
                next = next.withFormat(f);
            }
            case FILE -> throw new InferenceException(ErrorCode.UNSUPPORTED,
                    "log file location can not be updated through network protocol");
            default -> throw InferenceException.invalid("unknown log setting '%s' (expected one of: %s, %s, %s, %s, "
                    + "%s)", key, INFO, WARNING, ERROR, VERBOSE, FORMAT);
        }
        return this;
    }

    public LogSettings result() {
        return next;
    }

    /** Every setting, in Triton's response: Boolean, Long or String values. */
    public static Map<String, Object> describe(LogSettings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(FILE, s.file());
        out.put(INFO, s.info());
        out.put(WARNING, s.warning());
        out.put(ERROR, s.error());
        out.put(VERBOSE, (long) s.verboseLevel());
        out.put(FORMAT, s.format().wireName());
        return out;
    }

    private static boolean bool(String key, Object value) {
        if (!(value instanceof Boolean b)) {
            throw InferenceException.invalid("expect boolean for '%s'", key);
        }
        return b;
    }
}
