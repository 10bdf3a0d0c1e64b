package io.tensorline.perf.transport;

import java.util.List;

/** Which entry of a statistics reply belongs to the profiled model version. */
final class StatsVersion {

    private StatsVersion() {
    }

    /**
     * The index of {@code model} at {@code version} among the entries, or with an empty version the one with the
     * highest numeric version; -1 when there is none.
     */
    static int pick(List<String> names, List<String> versions, String model, String version) {
        int best = -1;
        long bestVersion = Long.MIN_VALUE;
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals(model)) {
                continue;
            }
            if (!version.isEmpty()) {
                if (versions.get(i).equals(version)) {
                    return i;
                }
                continue;
            }
            long v;
            try {
                v = Long.parseLong(versions.get(i));
            } catch (NumberFormatException e) {
                v = Long.MIN_VALUE + 1;
            }
            if (v > bestVersion) {
                bestVersion = v;
                best = i;
            }
        }
        return best;
    }
}
