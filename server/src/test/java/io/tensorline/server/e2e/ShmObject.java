package io.tensorline.server.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A POSIX shared memory object made the way a client's {@code shm_open} + {@code ftruncate} makes one: a file of
 * the given size under {@code /dev/shm} with a unique key, read and written through its own mapping, deleted on
 * close ({@code shm_unlink}).
 */
final class ShmObject implements AutoCloseable {

    final String key;
    final Path path;
    private final ByteBuffer mapping;

    private ShmObject(String key, Path path, ByteBuffer mapping) {
        this.key = key;
        this.path = path;
        this.mapping = mapping;
    }

    static ShmObject create(long byteSize) throws IOException {
        String name = "tensorline-test-" + UUID.randomUUID();
        Path path = Path.of("/dev/shm", name);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(byteSize);
            ByteBuffer m = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, byteSize)
                    .order(ByteOrder.LITTLE_ENDIAN);
            return new ShmObject("/" + name, path, m);
        }
    }

    /** Writes FP32 values at {@code offset} bytes. */
    ShmObject putFloats(int offset, float... values) {
        for (int i = 0; i < values.length; i++) {
            mapping.putFloat(offset + 4 * i, values[i]);
        }
        return this;
    }

    float[] floats(int offset, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = mapping.getFloat(offset + 4 * i);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(path);
    }
}
