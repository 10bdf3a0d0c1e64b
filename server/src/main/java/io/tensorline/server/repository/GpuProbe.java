package io.tensorline.server.repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Counts the NVIDIA GPUs this machine has, without loading CUDA: the driver lists one directory per GPU under
 * {@code /proc/driver/nvidia/gpus}. {@code TENSORLINE_GPU_COUNT} overrides it (for containers that hide /proc, and
 * for tests). Used to expand KIND_GPU groups and to decide KIND_AUTO.
 */
public final class GpuProbe {

    private GpuProbe() {
    }

    public static int count() {
        String override = System.getenv("TENSORLINE_GPU_COUNT");
        if (override != null && !override.isBlank()) {
            try {
                return Math.max(0, Integer.parseInt(override.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("TENSORLINE_GPU_COUNT=" + override + " (expected: an integer >= 0)");
            }
        }
        return count(Path.of("/proc/driver/nvidia/gpus"));
    }

    /** The number of entries in a driver directory laid out like {@code /proc/driver/nvidia/gpus}, or 0. */
    static int count(Path driverDir) {
        if (!Files.isDirectory(driverDir)) {
            return 0;
        }
        try (Stream<Path> gpus = Files.list(driverDir)) {
            return (int) gpus.filter(Files::isDirectory).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
