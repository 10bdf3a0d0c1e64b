package io.tensorline.benchmarks.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Outcome counts keyed by transport, request kind and what came back; thread-safe. */
final class SoakTally {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, Boolean> expected = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> answered = new ConcurrentHashMap<>();

    void sent(String transport) {
        sent.computeIfAbsent(transport, k -> new LongAdder()).increment();
    }

    /** One reply (a response or a status from the server) or, with {@code answer} false, a call left without. */
    void outcome(String transport, String kind, String result, boolean isExpected, boolean answer) {
        if (answer) {
            answered.computeIfAbsent(transport, k -> new LongAdder()).increment();
        }
        String key = transport + "\t" + kind + "\t" + result;
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
        expected.put(key, isExpected);
    }

    long sent(String transport, boolean answeredOnly) {
        LongAdder a = (answeredOnly ? answered : sent).get(transport);
        return a == null ? 0 : a.sum();
    }

    long unexpected() {
        long n = 0;
        for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
            if (!expected.get(e.getKey())) {
                n += e.getValue().sum();
            }
        }
        return n;
    }

    /** transport, kind, result, count, expected: sorted. */
    List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        new TreeMap<>(counts).forEach((k, v) -> {
            String[] f = k.split("\t");
            rows.add(new String[] {f[0], f[1], f[2], Long.toString(v.sum()), expected.get(k) ? "yes" : "**no**"});
        });
        return rows;
    }
}
