package io.tensorline.spark;

import io.tensorline.Tensorline;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded servers of this JVM (a Spark executor, or the driver), one per model repository: started on first
 * use, then shared by every partition and task that runs here, and closed when the JVM exits. Each server runs in
 * explicit model-control mode and loads only the models a job asks for, once.
 */
public final class ExecutorServers {

    private static final Map<String, Tensorline> SERVERS = new ConcurrentHashMap<>();
    private static final AtomicInteger STARTS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorServers::closeAll, "tensorline-spark-shutdown"));
    }

    private ExecutorServers() {
    }

    /** The server of {@code repository} in this JVM, with {@code model} loaded (both done once). */
    public static Tensorline forModel(String repository, String model) {
        String key = Path.of(repository).toAbsolutePath().normalize().toString();
        Tensorline server = SERVERS.computeIfAbsent(key, k -> {
            STARTS.incrementAndGet();
            return Tensorline.builder().modelRepository(Path.of(k)).flag("model-control-mode", "explicit").build();
        });
        if (!server.isModelReady(model, "")) {
            synchronized (server) {
                if (!server.isModelReady(model, "")) {
                    server.loadModel(model);
                }
            }
        }
        return server;
    }

    /** How many servers this JVM has started so far. */
    public static int starts() {
        return STARTS.get();
    }

    /** Closes every server of this JVM (the shutdown hook does it too); a later call starts afresh. */
    public static void closeAll() {
        for (String key : SERVERS.keySet()) {
            Tensorline server = SERVERS.remove(key);
            if (server != null) {
                server.close();
            }
        }
    }
}
