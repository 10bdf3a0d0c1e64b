package io.tensorline.server.http;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.shm.SharedMemoryUse;

import java.util.Map;

/**
 * Which outputs of one request go back as binary blobs instead of JSON {@code data}: an output's own
 * {@code binary_data} flag wins over the request's {@code binary_data_output}; FP16 and BF16 are always binary
 * because JSON cannot carry them. This is HTTP-only knowledge; the core never sees it.
 */
final class OutputEncoding {

    /** Everything binary: the answer to a request whose whole body was raw input data. */
    static final OutputEncoding ALL_BINARY = new OutputEncoding(true, Map.of());

    /** Everything JSON unless FP16/BF16. */
    static final OutputEncoding JSON = new OutputEncoding(false, Map.of());

    private final boolean binaryByDefault;
    private final Map<String, Boolean> perOutput;
    private final SharedMemoryUse shm;

    /**
     * @param binaryByDefault the request's {@code binary_data_output}
     * @param perOutput       output name to its explicit {@code binary_data} flag
     */
    OutputEncoding(boolean binaryByDefault, Map<String, Boolean> perOutput) {
        this(binaryByDefault, perOutput, null);
    }

    /** @param shm the request's regions (outputs written there are answered without data), or null */
    OutputEncoding(boolean binaryByDefault, Map<String, Boolean> perOutput, SharedMemoryUse shm) {
        this.binaryByDefault = binaryByDefault;
        this.perOutput = Map.copyOf(perOutput);
        this.shm = shm;
    }

    /** Whether the output was written to shared memory: its JSON then has name, datatype and shape only. */
    boolean inSharedMemory(Tensor output) {
        return shm != null && shm.holdsOutput(output.name());
    }

    boolean binary(Tensor output) {
        if (output.dataType() == DataType.FP16 || output.dataType() == DataType.BF16) {
            return true;
        }
        Boolean flag = perOutput.get(output.name());
        return flag != null ? flag : binaryByDefault;
    }
}
