package io.tensorline.engine;

import java.nio.ByteBuffer;

/**
 * What an engine can pass to a model unchanged in one BYTES element. An engine whose framework API forces a
 * conversion (ONNX Runtime's Java API takes Java strings) says which elements the conversion would change, so the
 * server refuses those requests before they run instead of feeding the model different bytes.
 */
@FunctionalInterface
public interface BytesElementCheck {

    /** Every byte sequence passes unchanged. */
    BytesElementCheck ANY = element -> null;

    /**
     * Why the engine cannot pass this element to the model unchanged, or null when it can.
     *
     * @param element the element's bytes, from position to limit; not modified
     */
    String problem(ByteBuffer element);
}
