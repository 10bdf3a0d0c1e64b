package io.tensorline.engine.pytorch;

import io.tensorline.engine.DataType;

/**
 * The element types Tensorline's PyTorch engine carries, and their DJL names. DJL 0.35's PyTorch bridge maps only
 * these between Java and libtorch: creating an INT16, BF16 or UINT16/32/64 tensor aborts the process inside its
 * JNI code, and such results come back with an unknown type. TorchScript has no string tensors.
 */
final class TorchTypes {

    /** The protocol types this engine accepts, for messages. */
    static final String SUPPORTED = "BOOL, UINT8, INT8, INT32, INT64, FP16, FP32, FP64";

    private TorchTypes() {
    }

    /** The DJL type of a protocol type, or {@code null} when this engine cannot carry it. */
    static ai.djl.ndarray.types.DataType toDjl(DataType type) {
        return switch (type) {
            case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
            case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
            case INT8 -> ai.djl.ndarray.types.DataType.INT8;
            case INT32 -> ai.djl.ndarray.types.DataType.INT32;
            case INT64 -> ai.djl.ndarray.types.DataType.INT64;
            case FP16 -> ai.djl.ndarray.types.DataType.FLOAT16;
            case FP32 -> ai.djl.ndarray.types.DataType.FLOAT32;
            case FP64 -> ai.djl.ndarray.types.DataType.FLOAT64;
            default -> null;
        };
    }

    /** The protocol type of a DJL type, or {@code null} when this engine cannot carry it. */
    static DataType fromDjl(ai.djl.ndarray.types.DataType type) {
        return switch (type) {
            case BOOLEAN -> DataType.BOOL;
            case UINT8 -> DataType.UINT8;
            case INT8 -> DataType.INT8;
            case INT32 -> DataType.INT32;
            case INT64 -> DataType.INT64;
            case FLOAT16 -> DataType.FP16;
            case FLOAT32 -> DataType.FP32;
            case FLOAT64 -> DataType.FP64;
            default -> null;
        };
    }

    /** Why a type is refused, for messages. */
    static String whyUnsupported(DataType type) {
        return type == DataType.BYTES ? "TorchScript models take no string tensors"
                : "DJL 0.35's PyTorch bridge cannot create " + type + " tensors";
    }
}
