package io.tensorline.server.cache;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResponseCacheTest {

    private static Tensor ints(String name, long[] shape, int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return Tensor.of(name, DataType.INT32, shape, b.flip());
    }

    private static CacheKey key(int value) {
        return CacheKey.of("m", 1, List.of(ints("x", new long[] {1}, value)));
    }

    private static List<Tensor> output(int bytes) {
        return List.of(Tensor.of("y", DataType.UINT8, new long[] {bytes}, ByteBuffer.allocate(bytes)));
    }

    @Test
    void theKeyCoversModelVersionNamesTypesShapesAndBytesButNotInputOrder() {
        Tensor a = ints("a", new long[] {2}, 1, 2);
        Tensor b = ints("b", new long[] {1}, 3);
        assertEquals(CacheKey.of("m", 1, List.of(a, b)), CacheKey.of("m", 1, List.of(b, a)));
        assertNotEquals(CacheKey.of("m", 1, List.of(a)), CacheKey.of("m", 2, List.of(a)));
        assertNotEquals(CacheKey.of("m", 1, List.of(a)), CacheKey.of("n", 1, List.of(a)));
        assertNotEquals(CacheKey.of("m", 1, List.of(a)), CacheKey.of("m", 1, List.of(a.rename("c"))));
        assertNotEquals(CacheKey.of("m", 1, List.of(a)),
                CacheKey.of("m", 1, List.of(ints("a", new long[] {1, 2}, 1, 2))), "shape counts");
        Tensor asFloat = Tensor.of("a", DataType.FP32, new long[] {2}, a.data());
        assertNotEquals(CacheKey.of("m", 1, List.of(a)), CacheKey.of("m", 1, List.of(asFloat)), "datatype counts");
        assertNotEquals(CacheKey.of("m", 1, List.of(a)), CacheKey.of("m", 1, List.of(ints("a", new long[] {2}, 1, 3))));
    }

    @Test
    void theLeastRecentlyUsedEntryGoesFirstWhenTheBudgetIsFull() {
        ResponseCache cache = new ResponseCache(3 * 1200);
        cache.insert(key(1), output(900));
        cache.insert(key(2), output(900));
        cache.insert(key(3), output(900));
        assertNotNull(cache.lookup(key(1)), "1 is now the most recently used");
        cache.insert(key(4), output(900));
        assertNull(cache.lookup(key(2)));
        assertNotNull(cache.lookup(key(1)));
        assertNotNull(cache.lookup(key(3)));
        assertNotNull(cache.lookup(key(4)));
        assertEquals(3, cache.size());
        assertEquals(true, cache.usedBytes() <= cache.capacityBytes());
    }

    @Test
    void anEntryLargerThanTheBudgetIsNotKept() {
        ResponseCache cache = new ResponseCache(2048);
        cache.insert(key(1), output(100));
        cache.insert(key(2), output(4096));
        assertNull(cache.lookup(key(2)));
        assertNotNull(cache.lookup(key(1)), "nothing was evicted for it");
    }

    @Test
    void storedOutputsAreCopies() {
        ResponseCache cache = new ResponseCache(4096);
        ByteBuffer engineBuffer = ByteBuffer.allocate(4);
        cache.insert(key(1), List.of(Tensor.of("y", DataType.INT32, new long[] {1}, engineBuffer)));
        engineBuffer.putInt(0, 77);
        assertEquals(0, cache.lookup(key(1)).get(0).data().getInt(0));
    }

    @Test
    void invalidateDropsOnlyThatVersion() {
        ResponseCache cache = new ResponseCache(1 << 20);
        Tensor x = ints("x", new long[] {1}, 5);
        cache.insert(CacheKey.of("m", 1, List.of(x)), output(10));
        cache.insert(CacheKey.of("m", 2, List.of(x)), output(10));
        long before = cache.usedBytes();
        cache.invalidate("m", 1);
        assertNull(cache.lookup(CacheKey.of("m", 1, List.of(x))));
        assertNotNull(cache.lookup(CacheKey.of("m", 2, List.of(x))));
        assertEquals(before / 2, cache.usedBytes());
    }

    @Test
    void cacheConfigIsTritonsFlag() {
        assertEquals(1048576, CacheConfig.parseLocalSize("local,size=1048576"));
        assertEquals("No cache specified. --cache-config option format is <cache name>,<setting>=<value>. Got local",
                assertThrows(IllegalArgumentException.class, () -> CacheConfig.parseLocalSize("local")).getMessage());
        assertEquals("--cache-config=redis,host=x: cache 'redis' (expected: local; no other cache is offered)",
                assertThrows(IllegalArgumentException.class,
                        () -> CacheConfig.parseLocalSize("redis,host=x")).getMessage());
        assertEquals("--cache-config=local,size=10: size 10 (expected: a whole number of bytes >= 1024)",
                assertThrows(IllegalArgumentException.class,
                        () -> CacheConfig.parseLocalSize("local,size=10")).getMessage());
    }
}
