package io.tensorline.perf.model;

/** The protocol's datatype strings and their element sizes. */
public final class DataTypes {

    /** Element size of BYTES: variable, each element is a 4-byte length then its bytes. */
    public static final int VARIABLE = -1;

    private DataTypes() {
    }

    /** Bytes per element, {@link #VARIABLE} for BYTES, or 0 for a datatype the protocol does not define. */
    public static int size(String datatype) {
        return switch (datatype) {
            case "BOOL", "INT8", "UINT8" -> 1;
            case "INT16", "UINT16", "FP16", "BF16" -> 2;
            case "INT32", "UINT32", "FP32" -> 4;
            case "INT64", "UINT64", "FP64" -> 8;
            case "BYTES" -> VARIABLE;
            default -> 0;
        };
    }

    public static boolean isKnown(String datatype) {
        return size(datatype) != 0;
    }
}
