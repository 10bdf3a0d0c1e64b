package io.tensorline.engine.pytorch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies request data into direct buffers that libtorch reads in place, one reused buffer per forward() argument.
 * Every input is copied, direct or not: TorchScript models may change their inputs in place ({@code x.div_(255)}),
 * which must never write into the caller's buffers. A staged buffer stays valid until the next call for the same
 * argument. Used by one thread at a time, like its instance.
 */
final class InputStager {

    private final ByteBuffer[] staging;

    InputStager(int argumentCount) {
        this.staging = new ByteBuffer[argumentCount];
    }

    /** The bytes of {@code data} (position to limit) in the staging buffer of {@code argument}, ready to read. */
    ByteBuffer stage(ByteBuffer data, int argument) {
        ByteBuffer buffer = staging[argument];
        if (buffer == null || buffer.capacity() < data.remaining()) {
            // The raw layout is little-endian and so is every platform libtorch's Java natives exist for.
            buffer = ByteBuffer.allocateDirect(capacityFor(data.remaining())).order(ByteOrder.nativeOrder());
            staging[argument] = buffer;
        }
        buffer.clear();
        buffer.put(data);
        return buffer.flip();
    }

    /** Rounds up to a power of two so that growing batches reallocate only a few times. */
    private static int capacityFor(int size) {
        int wanted = Math.max(size, 64);
        int highest = Integer.highestOneBit(wanted);
        return highest == wanted || highest >= (1 << 30) ? wanted : highest << 1;
    }
}
