package io.tensorline.engine.onnxruntime;

import io.tensorline.engine.BytesElementCheck;

import java.nio.ByteBuffer;

/**
 * The BYTES elements ONNX Runtime's Java API passes unchanged. Its string tensors take and return Java strings,
 * which its native side converts with JNI's modified UTF-8 ({@code GetStringUTFChars} / {@code NewStringUTF}):
 * a NUL byte reaches the model as {@code C0 80}, a character beyond U+FFFF as a six-byte surrogate pair, and bytes
 * that are not UTF-8 cannot become a string at all. Only UTF-8 text without those is the same on both sides.
 */
final class ModifiedUtf8 implements BytesElementCheck {

    static final ModifiedUtf8 INSTANCE = new ModifiedUtf8();

    private ModifiedUtf8() {
    }

    @Override
    public String problem(ByteBuffer e) {
        String found = scan(e);
        return found == null ? null : found + ", and ONNX Runtime's Java API carries string elements as Java strings "
                + "(modified UTF-8) (expected: UTF-8 text without NUL bytes or characters beyond U+FFFF)";
    }

    private static String scan(ByteBuffer e) {
        int end = e.limit();
        int i = e.position();
        while (i < end) {
            int b = e.get(i) & 0xFF;
            int offset = i - e.position();
            if (b == 0) {
                return "it holds a NUL byte at offset " + offset;
            }
            if (b < 0x80) {
                i++;
                continue;
            }
            int length;
            int min;
            if (b >= 0xC2 && b <= 0xDF) {
                length = 2;
                min = 0x80;
            } else if (b >= 0xE0 && b <= 0xEF) {
                length = 3;
                min = 0x800;
            } else if (b >= 0xF0 && b <= 0xF4) {
                return "it holds a character beyond U+FFFF at offset " + offset;
            } else {
                return notUtf8(offset);
            }
            if (end - i < length) {
                return notUtf8(offset);
            }
            int cp = b & (length == 2 ? 0x1F : 0x0F);
            for (int k = 1; k < length; k++) {
                int c = e.get(i + k) & 0xFF;
                if ((c & 0xC0) != 0x80) {
                    return notUtf8(offset);
                }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return notUtf8(offset);
            }
            i += length;
        }
        return null;
    }

    private static String notUtf8(int offset) {
        return "it is not valid UTF-8 at offset " + offset;
    }
}
