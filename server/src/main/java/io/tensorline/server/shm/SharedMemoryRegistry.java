package io.tensorline.server.shm;

import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The system shared memory extension's regions: name to a memory-mapped range of a POSIX shared memory object
 * ({@code /dev/shm/<key>}). With client shared memory disabled ({@code --allow-client-shm=false}, the default)
 * nothing can be registered and every reference to a region is answered as Triton answers an unknown one.
 *
 * <p>Unmapping: Java 17 has no public {@code munmap}; a {@link MappedByteBuffer} is unmapped by the JVM when it and
 * every view of it are unreachable. Each region counts its holders (the name table, and each tensor of a request
 * in flight); unregistering removes the name at once, and the last holder drops the registry's reference. An
 * explicit unmap ({@code Unsafe.invokeCleaner}) is not used: an engine may still read a cancelled request's input,
 * and a reply may still be written from an output that aliases an input, and reading an unmapped page crashes the
 * JVM. So a released region's pages go when the garbage collector finds the buffer unreachable, or at exit.
 *
 * <p>Thread-safe: register, unregister and close take one lock (they are rare and do file I/O that must not
 * interleave); a request takes a hold without it.
 */
public final class SharedMemoryRegistry implements AutoCloseable {

    /** Where Linux keeps POSIX shared memory objects ({@code shm_open(key)} opens {@code /dev/shm/key}). */
    public static final Path POSIX_SHM = Path.of("/dev/shm");
    /** Keys Triton keeps for its Python backend. */
    static final String RESERVED_PREFIX = "triton_python_backend_shm_region_";

    private final boolean clientAllowed;
    private final Path root;
    private final Map<String, SharedMemoryRegion> regions = new ConcurrentHashMap<>();
    private final AtomicInteger mapped = new AtomicInteger();
    private final Object lock = new Object();
    private boolean closed; // guarded by lock

    private SharedMemoryRegistry(boolean clientAllowed, Path root) {
        this.clientAllowed = clientAllowed;
        this.root = root;
    }

    /** {@code --allow-client-shm=false}: status answers, nothing can be registered. */
    public static SharedMemoryRegistry disabled() {
        return new SharedMemoryRegistry(false, POSIX_SHM);
    }

    /** {@code --allow-client-shm=true}: keys name objects under {@code /dev/shm}. */
    public static SharedMemoryRegistry enabled() {
        return new SharedMemoryRegistry(true, POSIX_SHM);
    }

    public boolean clientAllowed() {
        return clientAllowed;
    }

    /** A registered region as the status calls list it. */
    public record RegionStatus(String name, String key, long offset, long byteSize) {
    }

    /**
     * Maps {@code [offset, offset + byteSize)} of the object {@code key} under {@code name}.
     *
     * @param offset   Triton's uint64; a negative value stands for one beyond {@code Long.MAX_VALUE}
     * @param byteSize likewise
     */
    public void register(String name, String key, long offset, long byteSize) {
        if (!clientAllowed) {
            throw SharedMemoryEndpoints.disabled();
        }
        if (name.isEmpty()) {
            throw InferenceException.invalid("'region name' is necessary to register system shared memory region");
        }
        synchronized (lock) {
            if (closed) {
                throw InferenceException.unavailable("Server not ready: shutting down, no shared memory region "
                        + "can be registered");
            }
            if (regions.containsKey(name)) {
                throw new InferenceException(ErrorCode.ALREADY_EXISTS,
                        "shared memory region '" + name + "' already in manager");
            }
            String object = objectName(name, key);
            if (offset < 0 || byteSize < 0 || offset + byteSize < 0) {
                throw invalidArgs(name, "offset %s + byte_size %s overflows", Long.toUnsignedString(offset),
                        Long.toUnsignedString(byteSize));
            }
            if (byteSize == 0 || byteSize > Integer.MAX_VALUE) {
                throw invalidArgs(name, "byte_size %d (expected: 1 to %d; a region is mapped as one Java buffer)",
                        byteSize, Integer.MAX_VALUE);
            }
            MappedByteBuffer mapping = map(name, key, object, offset, byteSize);
            regions.put(name, new SharedMemoryRegion(name, key, offset, byteSize, mapping, mapped::decrementAndGet));
            mapped.incrementAndGet();
        }
    }

    /** Unregisters {@code name}, or every region when it is empty; an unknown name is a success, as in Triton. */
    public void unregister(String name) {
        if (!clientAllowed) {
            throw SharedMemoryEndpoints.disabled();
        }
        synchronized (lock) {
            removeLocked(name);
        }
    }

    private void removeLocked(String name) {
        if (name.isEmpty()) {
            for (String n : List.copyOf(regions.keySet())) {
                removeLocked(n);
            }
            return;
        }
        SharedMemoryRegion r = regions.remove(name);
        if (r != null) {
            r.release(); // the name table's hold; requests in flight keep theirs
        }
    }

    /**
     * The registered regions (all of them when {@code name} is empty), sorted by name.
     *
     * @throws InferenceException NOT_FOUND {@code Unable to find system shared memory region: '<n>'}
     */
    public List<RegionStatus> status(String name) {
        if (!name.isEmpty()) {
            SharedMemoryRegion r = regions.get(name);
            if (r == null) {
                throw InferenceException.notFound("Unable to find system shared memory region: '%s'", name);
            }
            return List.of(status(r));
        }
        List<RegionStatus> out = new ArrayList<>(regions.size());
        for (SharedMemoryRegion r : regions.values()) {
            out.add(status(r));
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    private static RegionStatus status(SharedMemoryRegion r) {
        return new RegionStatus(r.name, r.key, r.offset, r.byteSize);
    }

    /**
     * A hold on {@code name} for one tensor of a request; the caller releases it.
     *
     * @throws InferenceException NOT_FOUND {@code Unable to find shared memory region: '<n>'}
     */
    SharedMemoryRegion hold(String name) {
        SharedMemoryRegion r = regions.get(name);
        if (r == null || !r.tryHold()) {
            throw InferenceException.notFound("Unable to find shared memory region: '%s'%s", name, clientAllowed
                    ? "" : " (client shared memory is disabled: start the server with '--allow-client-shm=true' "
                    + "to register regions, or send the data in the request)");
        }
        return r;
    }

    /** A fresh, empty set of the regions one request uses. */
    public SharedMemoryUse newUse() {
        return new SharedMemoryUse(this);
    }

    /** How many regions' mappings are still held: registered ones plus unregistered ones still in use. */
    public int mappedRegions() {
        return mapped.get();
    }

    /**
     * Unregisters every region and refuses new registrations. Call once the transports have answered every request
     * (a region still held by one is dropped when that request lets it go).
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            removeLocked("");
        }
    }

    /** The file name under {@link #root} that {@code shm_open(key)} would open, checked as Triton checks keys. */
    private static String objectName(String name, String key) {
        int start = 0;
        while (start < key.length() && key.charAt(start) == '/') {
            start++;
        }
        String object = key.substring(start);
        if (object.isEmpty()) {
            throw InferenceException.invalid("cannot register shared memory region '%s' - invalid shm key '%s'",
                    name, key);
        }
        if (object.startsWith(RESERVED_PREFIX)) {
            throw InferenceException.invalid("cannot register shared memory region '%s' with key '%s' as the key "
                    + "contains the reserved prefix '%s'", name, key, RESERVED_PREFIX);
        }
        if (object.indexOf('/') >= 0 || object.equals(".") || object.equals("..") || object.indexOf('\0') >= 0) {
            // shm_open refuses such names (EINVAL); they could also leave /dev/shm
            throw unableToOpen(key, "a key is '/' and a name without further '/'");
        }
        return object;
    }

    private MappedByteBuffer map(String name, String key, String object, long offset, long byteSize) {
        try (FileChannel ch = FileChannel.open(root.resolve(object), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (offset + byteSize > size) {
                throw invalidArgs(name, "offset %d + byte_size %d is beyond the %d-byte object '%s'", offset,
                        byteSize, size, key);
            }
            // the mapping stays valid once the channel is closed
            return ch.map(FileChannel.MapMode.READ_WRITE, offset, byteSize);
        } catch (NoSuchFileException e) {
            throw unableToOpen(key, "no such shared memory object");
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            throw unableToOpen(key, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static InferenceException unableToOpen(String key, String why) {
        return InferenceException.internal("Unable to open shared memory region: '%s' (%s)", key, why);
    }

    private static InferenceException invalidArgs(String name, String format, Object... args) {
        return InferenceException.invalid("failed to register shared memory region '%s': invalid args (%s)", name,
                String.format(format, args));
    }
}
