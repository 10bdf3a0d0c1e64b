package io.tensorline.server.metrics;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The GPUs through NVIDIA's management library ({@code libnvidia-ml.so.1}, installed with the driver; inside a
 * container the NVIDIA container toolkit mounts it), bound with JNA, so nothing native ships with the server.
 * Device handles are taken once at open; NVML calls are thread-safe.
 */
final class NvmlGpuDevices implements GpuDevices {

    private static final Logger LOG = LoggerFactory.getLogger(NvmlGpuDevices.class);
    private static final int SUCCESS = 0;
    private static final int UUID_BUFFER = 96; // NVML_DEVICE_UUID_V2_BUFFER_SIZE

    /** The part of NVML's C API the exporter reads; every call returns an nvmlReturn_t (0: success). */
    interface Nvml extends Library {
        int nvmlInit_v2();

        int nvmlShutdown();

        int nvmlDeviceGetCount_v2(IntByReference count);

        int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

        /** {@code nvmlUtilization_t}: {unsigned int gpu, memory} in percent. */
        int nvmlDeviceGetUtilizationRates(Pointer device, Pointer utilization);

        /** {@code nvmlMemory_t}: {unsigned long long total, free, used} in bytes. */
        int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory);

        int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts);

        int nvmlDeviceGetPowerManagementLimit(Pointer device, IntByReference milliwatts);

        int nvmlDeviceGetTotalEnergyConsumption(Pointer device, LongByReference millijoules);

        int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);
    }

    private record Device(Pointer handle, String uuid) {
    }

    private final Nvml nvml;
    private final List<Device> devices;

    private NvmlGpuDevices(Nvml nvml, List<Device> devices) {
        this.nvml = nvml;
        this.devices = devices;
    }

    /**
     * NVML's GPUs, or empty (logged once, at INFO) where the library is missing, does not initialise or sees no GPU:
     * then the {@code nv_gpu_*} metrics are absent, not zero.
     */
    static Optional<GpuDevices> open() {
        Nvml nvml;
        try {
            nvml = Native.load("libnvidia-ml.so.1", Nvml.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            LOG.info("GPU metrics off: NVIDIA's management library (libnvidia-ml.so.1) is not available ({})",
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                            .orElse(""));
            return Optional.empty();
        }
        return open(nvml);
    }

    /** Opens the GPUs through {@code nvml} (the library, or a stand-in). */
    static Optional<GpuDevices> open(Nvml nvml) {
        int rc = nvml.nvmlInit_v2();
        if (rc != SUCCESS) {
            LOG.info("GPU metrics off: nvmlInit_v2 failed (NVML error {})", rc);
            return Optional.empty();
        }
        IntByReference count = new IntByReference();
        rc = nvml.nvmlDeviceGetCount_v2(count);
        List<Device> devices = new ArrayList<>();
        for (int i = 0; rc == SUCCESS && i < count.getValue(); i++) {
            PointerByReference handle = new PointerByReference();
            if (nvml.nvmlDeviceGetHandleByIndex_v2(i, handle) != SUCCESS) {
                continue; // e.g. a GPU the process may not see; the others still report
            }
            byte[] uuid = new byte[UUID_BUFFER];
            if (nvml.nvmlDeviceGetUUID(handle.getValue(), uuid, uuid.length) == SUCCESS) {
                devices.add(new Device(handle.getValue(), cString(uuid)));
            }
        }
        if (devices.isEmpty()) {
            LOG.info("GPU metrics off: NVML sees no GPU{}", rc == SUCCESS ? "" : " (NVML error " + rc + ")");
            nvml.nvmlShutdown();
            return Optional.empty();
        }
        LOG.info("GPU metrics from NVML: {}", devices.stream().map(Device::uuid).toList());
        return Optional.of(new NvmlGpuDevices(nvml, List.copyOf(devices)));
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    @Override
    public List<Reading> read() {
        List<Reading> out = new ArrayList<>(devices.size());
        try (Memory utilization = new Memory(8); Memory memory = new Memory(24)) {
            for (Device d : devices) {
                double busy = nvml.nvmlDeviceGetUtilizationRates(d.handle(), utilization) == SUCCESS
                        ? Integer.toUnsignedLong(utilization.getInt(0)) / 100.0 : Double.NaN;
                boolean mem = nvml.nvmlDeviceGetMemoryInfo(d.handle(), memory) == SUCCESS;
                IntByReference mw = new IntByReference();
                double power = nvml.nvmlDeviceGetPowerUsage(d.handle(), mw) == SUCCESS
                        ? Integer.toUnsignedLong(mw.getValue()) / 1000.0 : Double.NaN;
                double limit = nvml.nvmlDeviceGetPowerManagementLimit(d.handle(), mw) == SUCCESS
                        ? Integer.toUnsignedLong(mw.getValue()) / 1000.0 : Double.NaN;
                LongByReference mj = new LongByReference();
                double energy = nvml.nvmlDeviceGetTotalEnergyConsumption(d.handle(), mj) == SUCCESS
                        ? mj.getValue() / 1000.0 : Double.NaN;
                out.add(new Reading(d.uuid(), busy, mem ? memory.getLong(0) : Double.NaN,
                        mem ? memory.getLong(16) : Double.NaN, power, limit, energy));
            }
        }
        return out;
    }

    @Override
    public void close() {
        nvml.nvmlShutdown();
    }
}
