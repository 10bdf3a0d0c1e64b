package io.tensorline.server.core;

import io.tensorline.engine.DataType;

/**
 * Triton's words for the request errors its clients match on (docs/errors.md has the table), built in one place so
 * both transports say the same thing. Where we know more than Triton says, it follows Triton's text after
 * {@code "; "} or in parentheses, so a client matching on Triton's text still matches.
 */
public final class ErrorTexts {

    private ErrorTexts() {
    }

    /** Triton's {@code [request id: <id>] } prefix; an empty id is written {@code <id_unknown>}. */
    public static String requestPrefix(String requestId) {
        return "[request id: " + (requestId == null || requestId.isEmpty() ? "<id_unknown>" : requestId) + "] ";
    }

    public static InferenceException unknownModel(String model) {
        return InferenceException.notFound("Request for unknown model: '%s' is not found", model);
    }

    public static InferenceException unknownVersion(String model, long version, Object available) {
        return InferenceException.notFound("Request for unknown model: '%s' version %d is not found "
                + "(ready versions: %s)", model, version, available);
    }

    public static InferenceException versionNotReady(String model, long version, String reason) {
        return InferenceException.unavailable("Request for unknown model: '%s' version %d is not at ready state%s",
                model, version, reason == null || reason.isEmpty() ? "" : ": " + reason);
    }

    public static InferenceException noAvailableVersion(String model, String reason) {
        return InferenceException.notFound("Request for unknown model: '%s' has no available versions%s", model,
                reason == null || reason.isEmpty() ? "" : ": " + reason);
    }

    /**
     * The version as sent, parsed as Triton parses it ({@code std::stol}, then {@code > 0}; we also refuse 0 and
     * trailing characters, which {@code stol} would ignore).
     */
    public static long parseVersion(String version) {
        long number;
        try {
            number = Long.parseLong(version);
        } catch (NumberFormatException e) {
            throw InferenceException.invalid("failed to get model version from specified version string '%s' "
                    + "(details: stol), version should be an integral value > 0", version);
        }
        if (number <= 0) {
            throw InferenceException.invalid("invalid model version specified '%s' , version should be an integral "
                    + "value > 0", version);
        }
        return number;
    }

    public static InferenceException wrongDataType(String requestId, String input, String model, DataType given,
                                                   DataType expected) {
        return InferenceException.invalid("%sinference input '%s' data-type is '%s', but model '%s' expects '%s'",
                requestPrefix(requestId), input, given.wireName(), model, expected.wireName());
    }

    public static InferenceException wrongShape(String requestId, String input, String model, long[] expected,
                                                long[] got, boolean batches) {
        return InferenceException.invalid("%sunexpected shape for input '%s' for model '%s'. Expected %s, got %s. %s",
                requestPrefix(requestId), input, model, dims(expected), dims(got), batches ? BATCH_NOTE : "");
    }

    public static InferenceException byteSizeMismatch(String requestId, String input, String model, long expected,
                                                      long got) {
        return InferenceException.invalid("%sinput byte size mismatch for input '%s' for model '%s'. Expected %d, "
                + "got %d", requestPrefix(requestId), input, model, expected, got);
    }

    public static InferenceException batchTooLarge(String requestId, String model, int maxBatchSize, long got) {
        return InferenceException.invalid("%sinference request batch-size must be <= %d for '%s' (got %d)",
                requestPrefix(requestId), maxBatchSize, model, got);
    }

    public static InferenceException contentsWithRaw(String input, String model) {
        return InferenceException.invalid("contents field must not be specified when using raw_input_contents for "
                + "'%s' for model '%s'", input, model);
    }

    public static InferenceException noInputData(String input, String model, String detail) {
        return InferenceException.invalid("unable to find data for input tensor '%s' for model '%s' in request.%s",
                input, model, detail.isEmpty() ? "" : " " + detail);
    }

    /** Queue full; {@code detail} names the limit that was hit. */
    public static InferenceException queueFull(String requestId, String detail) {
        return InferenceException.unavailable("%sExceeds maximum queue size: %s", requestPrefix(requestId), detail);
    }

    /** Queue timeout; {@code detail} says how long it waited. */
    public static InferenceException queueTimeout(String detail) {
        return InferenceException.unavailable("Request timeout expired: %s", detail);
    }

    private static final String BATCH_NOTE = "NOTE: Setting a non-zero max_batch_size in the model config requires a "
            + "batch dimension to be prepended to each input shape. If you want to specify the full shape including "
            + "the batch dim in your input dims config, try setting max_batch_size to zero. See the model "
            + "configuration docs for more info on max_batch_size.";

    /** Triton's shape format: {@code [-1,16]}. */
    static String dims(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(shape[i]);
        }
        return b.append(']').toString();
    }
}
