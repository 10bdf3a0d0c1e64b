package io.tensorline.server.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tensorline.engine.DataType;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.RequestLimits;
import io.tensorline.server.core.RequestValidator;
import io.tensorline.server.testing.TestModelVersions;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Fuzz target: a REST infer body (JSON only) through the decoder and the validator. Any outcome but a request or a
 * client error (an INTERNAL answer, any other exception) is a finding. Inputs found are kept under
 * {@code src/test/resources/.../RestJsonDecoderFuzzTestInputs/} and replayed by every test run.
 */
class RestJsonDecoderFuzzTest {

    static final RequestLimits LIMITS = new RequestLimits(1 << 20);

    /** An identity model of the datatype the input picks, batching with a variable dimension. */
    static ModelSpec spec(FuzzedDataProvider data) {
        DataType type = data.pickValue(DataType.values());
        return TestModelVersions.identity("m", 1, type, 8, -1).spec();
    }

    static void assertClientError(InferenceException e) {
        assertNotEquals(ErrorCode.INTERNAL, e.code(), e.getMessage());
    }

    @FuzzTest(maxDuration = "4s")
    void decodeAndValidate(FuzzedDataProvider data) {
        ModelSpec spec = spec(data);
        byte[] body = data.consumeRemainingAsBytes();
        try {
            InferRequestDecoder.Decoded d = InferRequestDecoder.decode("m", "", body, body.length, false, 0);
            RequestValidator.validate(spec, d.request(), LIMITS);
        } catch (InferenceException e) {
            assertClientError(e);
        }
    }
}
