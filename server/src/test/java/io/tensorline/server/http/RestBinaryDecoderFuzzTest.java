package io.tensorline.server.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.RequestValidator;

/**
 * Fuzz target: a REST infer body with the binary extension, its {@code Inference-Header-Content-Length} header
 * value fuzzed too (0 sends the raw body to {@link RawBodyDecoder}), through the decoder and the validator.
 */
class RestBinaryDecoderFuzzTest {

    @FuzzTest(maxDuration = "4s")
    void decodeAndValidate(FuzzedDataProvider data) {
        ModelSpec spec = RestJsonDecoderFuzzTest.spec(data);
        String header = data.consumeString(12);
        byte[] body = data.consumeRemainingAsBytes();
        try {
            int jsonLength = InferRequestDecoder.jsonLength(header, body.length);
            InferRequestDecoder.Decoded d = jsonLength == 0 ? RawBodyDecoder.decode(spec, "", body, 0)
                    : InferRequestDecoder.decode("m", "", body, jsonLength, true, 0);
            RequestValidator.validate(spec, d.request(), RestJsonDecoderFuzzTest.LIMITS);
        } catch (InferenceException e) {
            RestJsonDecoderFuzzTest.assertClientError(e);
        }
    }
}
