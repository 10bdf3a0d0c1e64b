package io.tensorline.engine.tensorflow;

import io.tensorline.engine.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * The element types TF Java 1.1 can create and read, and their protocol names. TF Java has no tensor classes for
 * int8, int16, uint32 and uint64, so models with such inputs or outputs are refused at load.
 */
final class TfTypes {

    /** The protocol types this engine accepts, for messages. */
    static final String SUPPORTED = "BOOL, UINT8, UINT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES";

    private static final String TF_TYPE_PREFIX = "DT_";

    private TfTypes() {
    }

    /** The protocol type of a TensorFlow element type, or {@code null} when TF Java cannot carry it. */
    static DataType toDataType(org.tensorflow.proto.DataType type) {
        return switch (type) {
            case DT_BOOL -> DataType.BOOL;
            case DT_UINT8 -> DataType.UINT8;
            case DT_UINT16 -> DataType.UINT16;
            case DT_INT32 -> DataType.INT32;
            case DT_INT64 -> DataType.INT64;
            case DT_HALF -> DataType.FP16;
            case DT_BFLOAT16 -> DataType.BF16;
            case DT_FLOAT -> DataType.FP32;
            case DT_DOUBLE -> DataType.FP64;
            case DT_STRING -> DataType.BYTES;
            default -> null;
        };
    }

    /** The TF Java tensor class of a fixed-size protocol type, or {@code null} when there is none. */
    static Class<? extends TType> tensorClass(DataType type) {
        return switch (type) {
            case BOOL -> TBool.class;
            case UINT8 -> TUint8.class;
            case UINT16 -> TUint16.class;
            case INT32 -> TInt32.class;
            case INT64 -> TInt64.class;
            case FP16 -> TFloat16.class;
            case BF16 -> TBfloat16.class;
            case FP32 -> TFloat32.class;
            case FP64 -> TFloat64.class;
            default -> null;
        };
    }

    /** A short name for a TensorFlow element type, e.g. {@code INT8} for {@code DT_INT8}. */
    static String name(org.tensorflow.proto.DataType type) {
        String name = type.name();
        return name.startsWith(TF_TYPE_PREFIX) ? name.substring(TF_TYPE_PREFIX.length()) : name;
    }
}
