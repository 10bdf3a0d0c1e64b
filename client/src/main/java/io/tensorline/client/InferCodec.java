package io.tensorline.client;

import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;

/**
 * The client's encoding of an {@link InferRequest} on the wire, and its decoding of replies, for callers that send
 * the bytes themselves: a load generator that builds a request once and sends it many times, or a test that needs
 * the message in hand. {@link TensorlineClient} uses the same code for every call.
 */
public final class InferCodec {

    /**
     * A REST infer body: all JSON ({@code jsonLength} -1), or a JSON header of {@code jsonLength} bytes (the value of
     * {@code Inference-Header-Content-Length}) followed by the binary tensors.
     */
    public record RestBody(byte[] bytes, int jsonLength) {
        /** The body's {@code Content-Type}. */
        public String contentType() {
            return jsonLength < 0 ? "application/json" : "application/octet-stream";
        }
    }

    /** The header naming the JSON part's length in a body with binary tensors (PROTOCOL.md §2.3). */
    public static final String HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    private InferCodec() {
    }

    /** The gRPC {@code ModelInferRequest}: inputs as raw contents, the requested outputs, id and parameters. */
    public static ModelInferRequest toGrpc(InferRequest request) {
        return GrpcCodec.encode(request);
    }

    /** A gRPC reply's outputs (raw or typed contents) as tensors. */
    public static InferResult fromGrpc(ModelInferResponse response) {
        return GrpcCodec.decode(response);
    }

    /**
     * The REST body. With {@code binary} every input goes as binary data and outputs are asked for as binary; without
     * it inputs go as JSON {@code data} except FP16 and BF16, which JSON cannot carry and so always go binary.
     */
    public static RestBody toRest(InferRequest request, boolean binary) {
        return RestCodec.encode(request, binary);
    }

    /**
     * A REST reply body.
     *
     * @param jsonLength the reply's {@code Inference-Header-Content-Length}, or -1 when it had none
     */
    public static InferResult fromRest(byte[] body, int jsonLength) {
        return RestCodec.decode(body, jsonLength);
    }
}
