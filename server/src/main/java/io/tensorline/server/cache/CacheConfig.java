package io.tensorline.server.cache;

/**
 * Parses Triton's {@code --cache-config <cache>,<setting>=<value>} for the one cache offered, {@code local} with
 * {@code size=<bytes>}.
 */
public final class CacheConfig {

    /** Triton's local cache fails below about this size. */
    public static final long MIN_SIZE = 1024;

    private CacheConfig() {
    }

    /** @return the cache's byte budget */
    public static long parseLocalSize(String value) {
        int comma = value.indexOf(',');
        if (comma < 0) {
            throw new IllegalArgumentException("No cache specified. --cache-config option format is <cache name>,"
                    + "<setting>=<value>. Got " + value);
        }
        String cache = value.substring(0, comma);
        if (!cache.equals("local")) {
            throw new IllegalArgumentException("--cache-config=" + value + ": cache '" + cache
                    + "' (expected: local; no other cache is offered)");
        }
        String setting = value.substring(comma + 1);
        if (!setting.startsWith("size=")) {
            throw new IllegalArgumentException("--cache-config=" + value + ": setting '" + setting
                    + "' (expected: size=<bytes>)");
        }
        long size;
        try {
            size = Long.parseLong(setting.substring("size=".length()));
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("--cache-config=" + value + ": size " + setting.substring(5)
                    + " (expected: a whole number of bytes >= " + MIN_SIZE + ")");
        }
        return size;
    }
}
