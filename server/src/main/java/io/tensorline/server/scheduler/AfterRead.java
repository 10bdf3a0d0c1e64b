package io.tensorline.server.scheduler;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Where the calling thread, when it is a transport's event loop, can run a task once it has handled the reads at
 * hand: the loop's own executor (a task it is given from one of its own handlers runs after the I/O events of the
 * current turn, before it waits for more). The dynamic batcher uses it to gather the requests one turn of reads
 * decoded into one batch, run and answered on that loop ({@link DynamicBatcher}).
 *
 * <p>The schedulers know no transport: the server installs how to find the current loop ({@code ServerResources},
 * for its gRPC and REST event loops); until then, and on every other thread, {@link #current} is null.
 */
public final class AfterRead {

    private static volatile Supplier<Executor> finder = () -> null;
    private static volatile int loops;

    private AfterRead() {
    }

    /**
     * How to find the calling thread's event loop, null off one, and how many loops each transport has; replaces
     * what was installed before.
     */
    public static void install(Supplier<Executor> currentLoop, int loopsPerTransport) {
        if (loopsPerTransport < 0) {
            throw new IllegalArgumentException("loopsPerTransport: " + loopsPerTransport + " (expected: >= 0)");
        }
        finder = Objects.requireNonNull(currentLoop, "currentLoop");
        loops = loopsPerTransport;
    }

    /** The event loops of each transport (0 until installed): how many gathered batches can run at once. */
    static int loops() {
        return loops;
    }

    /** The calling thread's event loop, or null when it runs none. */
    static Executor current() {
        return finder.get();
    }
}
