package io.tensorline.server.scheduler;

import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.stats.ModelStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

import static io.tensorline.server.scheduler.TestRequests.pending;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The latency target against fixed delays in a simulated closed loop, on a fake clock: the real {@link BatcherCore}
 * with one instance of a simulated device (2000 µs + 20 µs per row, max batch 64), and N clients that each send
 * their next request a return time after their answer (150 µs plus an exponential wait of mean 400 µs: the
 * transport and the client). What benchmarks/latency-target measures on a real server, without the machine's
 * noise: every figure here is a function of the seed. The tuned delay must keep the client p99 within the target
 * and reach 0.97 of the best fixed delay's throughput (its probes cost a little).
 */
class ClosedLoopTunerTest {

    private static final long US = 1_000;
    private static final long MS = 1_000_000;

    /** Throughput (requests/s) and client p99 (ns) of the last half of a run. */
    private record Result(double throughput, long p99) { }

    private static Result simulate(int clients, QueueDelay delay, long simulatedNanos) {
        FakeClock clock = new FakeClock(0);
        ModelStats stats = new ModelStats("m", 1);
        Completer completer = new Completer(stats, clock);
        BatchingPolicy policy = new BatchingPolicy(64, new int[] {64}, 0, false, 1, 1,
                List.of(QueuePolicySpec.DEFAULT), 4096);
        Random random = new Random(3);
        // events: {time, kind (0 arrival, 1 batch done), index}
        PriorityQueue<long[]> events = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        List<Batch> running = new ArrayList<>();
        long[] now = {0};
        BatcherCore core = new BatcherCore(policy, ReleaseStrategy.immediate(), delay, "'m' version 1", 1, batch -> {
            running.add(batch);
            events.add(new long[] {now[0] + (2000 + 20L * batch.rows()) * US, 1, running.size() - 1});
        }, completer, rs -> rs.forEach(completer::release), stats);
        for (int c = 0; c < clients; c++) {
            events.add(new long[] {(long) (random.nextDouble() * 2 * MS), 0, c});
        }
        long measureFrom = simulatedNanos / 2;
        long done = 0;
        List<Long> latencies = new ArrayList<>();
        while (true) {
            long deadline = core.nextDeadline();
            long[] e = events.peek();
            long next = Math.min(deadline, e == null ? Long.MAX_VALUE : e[0]);
            if (next > simulatedNanos) {
                break;
            }
            now[0] = next;
            clock.set(next);
            if (e != null && e[0] == next) {
                events.poll();
                if (e[1] == 0) {
                    core.onRequest(pending("c" + e[2], 1, next));
                } else {
                    Batch batch = running.get((int) e[2]);
                    for (PendingRequest r : batch.requests()) {
                        r.succeed(List.of(r.request.inputs().get(0).rename("OUTPUT0")));
                        long back = next + (150 + (long) (-Math.log(1 - random.nextDouble()) * 400)) * US;
                        if (next >= measureFrom) {
                            done++;
                            latencies.add(back - r.arrivalNanos);
                        }
                        events.add(new long[] {back, 0, Long.parseLong(r.request.id().substring(1))});
                    }
                    core.onBatchDone(batch, next);
                    running.set((int) e[2], null);
                }
            }
            core.step(next);
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return new Result(done * 1e9 / (simulatedNanos - measureFrom), sorted[(int) Math.ceil(sorted.length * 0.99) - 1]);
    }

    private static void matchesTheBestFixedDelay(int clients, long targetNanos, long simulatedNanos) {
        Result tuned = simulate(clients, new LatencyTargetDelay(targetNanos, 0), simulatedNanos);
        StringBuilder all = new StringBuilder("c=" + clients + " tuned " + tuned);
        double best = 0;
        for (long fixed : new long[] {0, 250, 500, 1000, 2000, 4000}) {
            Result r = simulate(clients, QueueDelay.fixed(fixed * US), simulatedNanos);
            all.append(", fixed ").append(fixed).append(": ").append(r);
            if (r.p99 <= targetNanos) {
                best = Math.max(best, r.throughput);
            }
        }
        assertTrue(tuned.p99 <= targetNanos, all.toString());
        assertTrue(tuned.throughput >= best * 0.97, all.toString());
    }

    @Test
    void lowLoad() {
        matchesTheBestFixedDelay(4, 8 * MS, 20_000 * MS);
    }

    @Test
    void mediumLoad() {
        matchesTheBestFixedDelay(32, 12 * MS, 10_000 * MS);
    }

    @Test
    void saturatingLoad() {
        matchesTheBestFixedDelay(256, 30 * MS, 5_000 * MS);
    }
}
