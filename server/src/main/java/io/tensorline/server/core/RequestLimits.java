package io.tensorline.server.core;

/**
 * Server-wide limits on what one request may ask of an engine, checked by {@link RequestValidator} before anything
 * runs.
 *
 * @param maxTensorBytes the most bytes one input tensor may hold ({@code --max-tensor-bytes}); for BYTES tensors the
 *                       raw length-prefixed data counts
 */
public record RequestLimits(long maxTensorBytes) {

    /** The default: 2 GiB - 1, the most a Java buffer holds, so by default only the transports' limits bite. */
    public static final long DEFAULT_MAX_TENSOR_BYTES = Integer.MAX_VALUE;

    public RequestLimits {
        if (maxTensorBytes < 1) {
            throw new IllegalArgumentException("maxTensorBytes: " + maxTensorBytes + " (expected: >= 1)");
        }
    }

    public static RequestLimits defaults() {
        return new RequestLimits(DEFAULT_MAX_TENSOR_BYTES);
    }
}
