package io.tensorline.server.cache;

import io.tensorline.engine.Tensor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Triton's {@code local} response cache: one in-memory pool shared by every model with {@code response_cache},
 * least recently used entries evicted first once the stored bytes would pass the budget. Entries hold copies of
 * the outputs, so nothing a request or an engine reuses can change them. Thread-safe: one lock guards the map; the
 * copies are made outside it.
 */
public final class ResponseCache {

    /** Bytes charged per tensor and per entry on top of the data, for the objects around it. */
    private static final int TENSOR_OVERHEAD = 96;
    private static final int ENTRY_OVERHEAD = 128;

    private record Entry(List<Tensor> outputs, long bytes) {
    }

    private final long capacityBytes;
    private final Object lock = new Object();
    /** Access-ordered: iteration starts at the least recently used entry. Guarded by {@link #lock}. */
    private final LinkedHashMap<CacheKey, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long usedBytes; // guarded by lock

    public ResponseCache(long capacityBytes) {
        if (capacityBytes < 1) {
            throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: >= 1)");
        }
        this.capacityBytes = capacityBytes;
    }

    /** The outputs stored for {@code key}, or null; marks the entry as the most recently used. */
    public List<Tensor> lookup(CacheKey key) {
        synchronized (lock) {
            Entry e = entries.get(key);
            return e == null ? null : e.outputs;
        }
    }

    /** Stores a copy of a successful response, evicting older entries; one larger than the whole budget is not kept. */
    public void insert(CacheKey key, List<Tensor> outputs) {
        long bytes = ENTRY_OVERHEAD + key.byteSize();
        List<Tensor> copies = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) {
            ByteBuffer copy = ByteBuffer.allocate(t.byteSize()).put(t.data()).flip();
            copies.add(Tensor.of(t.name(), t.dataType(), t.shape().clone(), copy));
            bytes += TENSOR_OVERHEAD + t.byteSize();
        }
        if (bytes > capacityBytes) {
            return;
        }
        Entry entry = new Entry(List.copyOf(copies), bytes);
        synchronized (lock) {
            Entry old = entries.put(key, entry);
            usedBytes += bytes - (old == null ? 0 : old.bytes);
            Iterator<Map.Entry<CacheKey, Entry>> lru = entries.entrySet().iterator();
            while (usedBytes > capacityBytes && lru.hasNext()) {
                Map.Entry<CacheKey, Entry> e = lru.next();
                if (e.getValue() != entry) {
                    usedBytes -= e.getValue().bytes;
                    lru.remove();
                }
            }
        }
    }

    /** Drops every entry of one model version (it was unloaded or reloaded). */
    public void invalidate(String model, long version) {
        synchronized (lock) {
            Iterator<Map.Entry<CacheKey, Entry>> it = entries.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<CacheKey, Entry> e = it.next();
                if (e.getKey().version() == version && e.getKey().model().equals(model)) {
                    usedBytes -= e.getValue().bytes;
                    it.remove();
                }
            }
        }
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public long usedBytes() {
        synchronized (lock) {
            return usedBytes;
        }
    }

    public int size() {
        synchronized (lock) {
            return entries.size();
        }
    }
}
