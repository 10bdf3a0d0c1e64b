package io.tensorline.benchmarks.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The server process's VmRSS (KiB), VmHWM (KiB) and Threads, from /proc/PID/status. */
record ProcStatus(long rssKb, long peakKb, long threads) {
    static ProcStatus parse(String status) {
        long rss = -1;
        long hwm = -1;
        long threads = -1;
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).trim().split("\\s+")[0];
            switch (line.substring(0, colon)) {
                case "VmRSS" -> rss = Long.parseLong(value);
                case "VmHWM" -> hwm = Long.parseLong(value);
                case "Threads" -> threads = Long.parseLong(value);
                default -> { }
            }
        }
        return new ProcStatus(rss, hwm, threads);
    }

    static ProcStatus of(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc/" + pid + "/status")));
    }
}
