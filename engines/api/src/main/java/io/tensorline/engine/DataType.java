package io.tensorline.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * Tensor element types of the KServe v2 / Triton protocol. The constant names are the protocol's datatype strings;
 * {@link #configNumber()} is the {@code TYPE_*} number used in {@code config.pbtxt}.
 */
public enum DataType {
    BOOL(1, 1),
    UINT8(1, 2),
    UINT16(2, 3),
    UINT32(4, 4),
    UINT64(8, 5),
    INT8(1, 6),
    INT16(2, 7),
    INT32(4, 8),
    INT64(8, 9),
    FP16(2, 10),
    FP32(4, 11),
    FP64(8, 12),
    /** Variable length: in raw form each element is a 4-byte little-endian length followed by its bytes. */
    BYTES(0, 13),
    BF16(2, 14);

    private static final Map<String, DataType> BY_WIRE_NAME = new HashMap<>();
    private static final DataType[] BY_CONFIG_NUMBER = new DataType[15];

    static {
        for (DataType t : values()) {
            BY_WIRE_NAME.put(t.name(), t);
            BY_CONFIG_NUMBER[t.configNumber] = t;
        }
    }

    private final int byteSize;
    private final int configNumber;

    DataType(int byteSize, int configNumber) {
        this.byteSize = byteSize;
        this.configNumber = configNumber;
    }

    /** Bytes per element, or 0 for {@link #BYTES}, whose elements vary in length. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFixedSize() {
        return byteSize > 0;
    }

    /** The {@code TYPE_*} enum number of Triton's model configuration. */
    public int configNumber() {
        return configNumber;
    }

    /** The protocol string, e.g. {@code "FP32"}. */
    public String wireName() {
        return name();
    }

    /** The config enum name, e.g. {@code "TYPE_FP32"}; {@link #BYTES} is {@code "TYPE_STRING"}. */
    public String configName() {
        return this == BYTES ? "TYPE_STRING" : "TYPE_" + name();
    }

    /** Parses a protocol datatype string (case-sensitive), or returns {@code null} when it names no type. */
    public static DataType fromWireName(String name) {
        return name == null ? null : BY_WIRE_NAME.get(name);
    }

    /** Maps a {@code TYPE_*} number to a type, or returns {@code null} for TYPE_INVALID and unknown numbers. */
    public static DataType fromConfigNumber(int number) {
        return number > 0 && number < BY_CONFIG_NUMBER.length ? BY_CONFIG_NUMBER[number] : null;
    }
}
