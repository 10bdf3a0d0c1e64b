package io.tensorline.server.shm;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.SharedMemoryParameters;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One registered region: {@code [offset, offset + byteSize)} of a POSIX shared memory object, memory-mapped read
 * and write. Its hold count is one for the registry's name table plus one per tensor of a request in flight; the
 * registry's reference to the mapping is dropped when the count falls to zero (see
 * {@link SharedMemoryRegistry} for why that is the unmapping Java allows). Thread-safe.
 */
final class SharedMemoryRegion {

    final String name;
    final String key;
    final long offset;
    final long byteSize;
    /** Starts at 1 (the name table); 0 means released for good: no new holder may take it. */
    private final AtomicInteger holds = new AtomicInteger(1);
    private final Runnable onReleased;
    private volatile MappedByteBuffer mapping;

    SharedMemoryRegion(String name, String key, long offset, long byteSize, MappedByteBuffer mapping,
                       Runnable onReleased) {
        this.name = name;
        this.key = key;
        this.offset = offset;
        this.byteSize = byteSize;
        this.mapping = mapping;
        this.onReleased = onReleased;
    }

    /** Takes a hold for a request; false when the region was released meanwhile (unregistered and unused). */
    boolean tryHold() {
        for (int n = holds.get(); n > 0; n = holds.get()) {
            if (holds.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Gives back a hold; the last one drops the mapping. */
    void release() {
        if (holds.decrementAndGet() == 0) {
            mapping = null;
            onReleased.run();
        }
    }

    /**
     * The bytes a tensor names, as a little-endian view of the mapping; the caller holds the region. Bounds are
     * checked as Triton checks them, relative to the registered region.
     */
    ByteBuffer view(SharedMemoryParameters.Reference ref) {
        long off = ref.offset();
        long size = ref.byteSize();
        if (off < 0 || off >= byteSize) {
            throw InferenceException.invalid("Invalid offset for shared memory region: '%s' (tensor '%s' asks "
                    + "for offset %s; expected: below the region's %d bytes)", name, ref.tensor(),
                    Long.toUnsignedString(off), byteSize);
        }
        if (size < 0 || off + size < 0) {
            throw InferenceException.invalid("Integer overflow detected: offset %s + byte size %s for tensor '%s' "
                    + "in shared memory region '%s'", Long.toUnsignedString(off), Long.toUnsignedString(size),
                    ref.tensor(), name);
        }
        if (off + size > byteSize) {
            throw InferenceException.invalid("Invalid offset + byte size for shared memory region: '%s' (tensor "
                    + "'%s' asks for %d bytes at offset %d; expected: within the region's %d bytes)", name,
                    ref.tensor(), size, off, byteSize);
        }
        MappedByteBuffer m = mapping;
        if (m == null) { // unreachable while held; kept as a clear failure rather than a NullPointerException
            throw InferenceException.notFound("Unable to find shared memory region: '%s'", name);
        }
        return m.slice((int) off, (int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Whether the registry still holds the mapping (for the shutdown and in-flight tests). */
    boolean mapped() {
        return mapping != null;
    }
}
