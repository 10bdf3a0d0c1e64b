package io.tensorline.server.metrics;

import java.util.List;

/**
 * The GPUs the server sees and their readings now: NVML on a machine with NVIDIA's driver ({@link NvmlGpuDevices}),
 * a fake in tests. Read on the scraping thread, at most once per {@code --metrics-interval-ms}.
 */
interface GpuDevices extends AutoCloseable {

    /**
     * One GPU's readings. A value the device cannot give is NaN (the metric is then left out for that GPU).
     *
     * @param uuid          NVML's UUID, {@code GPU-...}: Triton's {@code gpu_uuid} label
     * @param utilization   busy share of the last sample period, 0 to 1
     * @param energyJoules  energy used since the driver loaded
     */
    record Reading(String uuid, double utilization, double memoryTotalBytes, double memoryUsedBytes,
                   double powerWatts, double powerLimitWatts, double energyJoules) {
    }

    List<Reading> read();

    @Override
    void close();
}
