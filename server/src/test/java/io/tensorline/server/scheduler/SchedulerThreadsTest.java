package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.config.InstanceGroupSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.config.VersionPolicy;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.ModelStatsRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schedulers take every thread from the server's one thread factory ({@link ServerThreads}). */
class SchedulerThreadsTest {

    private static ModelSpec spec(String name, int maxBatchSize, DynamicBatchingSpec batching, int instances) {
        IoSpec in = new IoSpec("INPUT0", DataType.FP32, new long[] {2}, null, false);
        IoSpec out = new IoSpec("OUTPUT0", DataType.FP32, new long[] {2}, null, false);
        return new ModelSpec(name, "simulated", "simulated", maxBatchSize, List.of(in), List.of(out),
                List.of(new InstanceGroupSpec(name + "_0", instances, InstanceGroupSpec.Kind.CPU, List.of())),
                batching, new VersionPolicy.Latest(1), "model.simulated", Map.of());
    }

    /** The live threads whose names start with one of {@code prefixes}, with their owner and daemon-ness. */
    private static Set<String> threadsOf(ServerThreads owner, String... prefixes) {
        Set<String> found = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            for (String p : prefixes) {
                if (t.getName().startsWith(p)) {
                    assertTrue(owner.owns(t), t.getName() + " belongs to " + owner.owner());
                    assertTrue(t.isDaemon(), t.getName() + " is a daemon");
                    found.add(t.getName());
                }
            }
        }
        return found;
    }

    @Test
    void theBatcherInstanceAndCompleterThreadsAreTheOwnersWithTheirNames() throws Exception {
        ServerThreads threads = new ServerThreads("test-owner");
        DefaultSchedulerFactory factory = new DefaultSchedulerFactory(new ModelStatsRegistry(), NanoClock.SYSTEM,
                DefaultSchedulerFactory.DEFAULT_QUEUE_CAPACITY, null, threads);
        assertSame(threads, factory.threads());
        DynamicBatchingSpec batching = new DynamicBatchingSpec(List.of(), 0, false, 0, 0, QueuePolicySpec.DEFAULT,
                Map.of());
        Scheduler batcher = factory.create(spec("owned", 8, batching, 2), 1,
                List.of(new FakeModel(FakeModel.ECHO), new FakeModel(FakeModel.ECHO)));
        Scheduler direct = factory.create(spec("owneddirect", 0, null, 1), 1,
                List.of(new FakeModel(FakeModel.ECHO)));
        try {
            for (Scheduler s : List.of(batcher, direct)) {
                Tensor input = fp32("INPUT0", 1, 2, 0);
                s.submit(new InferenceRequest("m", "", "", Map.of(), List.of(input), List.of(), System.nanoTime()),
                        1).get(30, TimeUnit.SECONDS);
            }
            assertEquals(Set.of("batcher-owned-1", "instance-owned-1-0", "instance-owned-1-1"),
                    threadsOf(threads, "batcher-owned-", "instance-owned-"));
            assertEquals(Set.of("instance-owneddirect-1-0"), threadsOf(threads, "instance-owneddirect-"));
            // the completer starts with its first batch handed off: when it runs, it is the owner's too
            threadsOf(threads, "completer-owned");
            assertTrue(threads.made() >= 4, "made " + threads.made());
        } finally {
            batcher.shutdown();
            direct.shutdown();
        }
        assertTrue(batcher.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(direct.awaitTermination(30, TimeUnit.SECONDS));
    }

    @Test
    void aThreadIsANamedDaemonOfItsOwnerAndNotStarted() {
        ServerThreads threads = new ServerThreads("owner-a");
        Thread t = threads.newThread("batcher-x-1", () -> { });
        assertEquals("batcher-x-1", t.getName());
        assertTrue(t.isDaemon());
        assertTrue(threads.owns(t));
        assertEquals(Thread.State.NEW, t.getState());
        assertTrue(!new ServerThreads("owner-b").owns(t), "another owner's thread is not ours");
        Thread n0 = threads.numbered("model-load-").newThread(() -> { });
        Thread n1 = threads.numbered("model-load-").newThread(() -> { });
        assertEquals("model-load-0", n0.getName());
        assertEquals("model-load-0", n1.getName(), "each factory counts on its own");
        assertEquals("model-retire", threads.named("model-retire").newThread(() -> { }).getName());
        assertEquals(4, threads.made());
    }
}
