package io.tensorline.benchmarks.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * How late a timed wait returns on this machine: waits N times for a fixed time with {@code LockSupport.parkNanos}
 * (what the simulated device did before {@code ParkThenSpin}), with a park to 100 µs before and a spin to the
 * deadline, or with {@code Thread.sleep}, and prints the overshoot past each deadline (mean, p50, p99, max).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.tensorline.benchmarks.core.ParkOvershoot [N [WAIT_US]]</pre>
 */
public final class ParkOvershoot {

    private ParkOvershoot() {
    }

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        long wait = (args.length > 1 ? Long.parseLong(args[1]) : 3_160) * 1000;
        for (String mode : new String[] {"park", "park+spin", "sleep"}) {
            long[] over = new long[n];
            for (int i = 0; i < n; i++) {
                long deadline = System.nanoTime() + wait;
                long left;
                switch (mode) {
                    case "park" -> {
                        while ((left = deadline - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(left);
                        }
                    }
                    case "park+spin" -> {
                        while ((left = deadline - System.nanoTime()) > 100_000) {
                            LockSupport.parkNanos(left - 100_000);
                        }
                        while (deadline - System.nanoTime() > 0) {
                            Thread.onSpinWait();
                        }
                    }
                    default -> {
                        while ((left = deadline - System.nanoTime()) > 0) {
                            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
                        }
                    }
                }
                over[i] = System.nanoTime() - deadline;
            }
            Arrays.sort(over);
            System.out.printf(Locale.ROOT, "%-9s %d waits of %d µs: overshoot mean %d µs, p50 %d, p99 %d, max %d%n",
                    mode, n, wait / 1000, Arrays.stream(over).sum() / n / 1000, over[n / 2] / 1000,
                    over[Math.min(n - 1, n * 99 / 100)] / 1000, over[n - 1] / 1000);
        }
    }
}
