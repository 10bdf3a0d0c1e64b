package io.tensorline.server.metrics;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The NVML binding: the unit conversions and device enumeration against a stand-in for the library (JNA's
 * by-reference types are real native memory), and, on a machine without NVIDIA's driver, that opening it gives no
 * devices instead of failing.
 */
class NvmlGpuDevicesTest {

    /** Two GPUs; the second cannot report power. Return codes as NVML's: 0 success, 3 not supported. */
    private static final class FakeNvml implements NvmlGpuDevices.Nvml {
        int initResult;
        boolean shutdown;

        @Override
        public int nvmlInit_v2() {
            return initResult;
        }

        @Override
        public int nvmlShutdown() {
            shutdown = true;
            return 0;
        }

        @Override
        public int nvmlDeviceGetCount_v2(IntByReference count) {
            count.setValue(2);
            return 0;
        }

        @Override
        public int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device) {
            device.setValue(new Pointer(index + 1));
            return 0;
        }

        private static int index(Pointer device) {
            return (int) Pointer.nativeValue(device) - 1;
        }

        @Override
        public int nvmlDeviceGetUtilizationRates(Pointer device, Pointer utilization) {
            utilization.setInt(0, 40 + index(device));
            utilization.setInt(4, 99);
            return 0;
        }

        @Override
        public int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory) {
            memory.setLong(0, 1L << 34);
            memory.setLong(8, 1L << 33);
            memory.setLong(16, 3L << 31);
            return 0;
        }

        @Override
        public int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts) {
            milliwatts.setValue(123_456);
            return index(device) == 0 ? 0 : 3;
        }

        @Override
        public int nvmlDeviceGetPowerManagementLimit(Pointer device, IntByReference milliwatts) {
            milliwatts.setValue(700_000);
            return index(device) == 0 ? 0 : 3;
        }

        @Override
        public int nvmlDeviceGetTotalEnergyConsumption(Pointer device, LongByReference millijoules) {
            millijoules.setValue(5_000_500);
            return 0;
        }

        @Override
        public int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length) {
            byte[] s = ("GPU-" + index(device) + "-test").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, uuid, 0, s.length);
            return 0;
        }
    }

    @Test
    void readsEveryDeviceInTritonsUnits() {
        FakeNvml nvml = new FakeNvml();
        GpuDevices devices = NvmlGpuDevices.open(nvml).orElseThrow();
        List<GpuDevices.Reading> r = devices.read();
        assertEquals(List.of("GPU-0-test", "GPU-1-test"), r.stream().map(GpuDevices.Reading::uuid).toList());
        GpuDevices.Reading first = r.get(0);
        assertEquals(0.40, first.utilization(), 1e-9);
        assertEquals(1L << 34, (long) first.memoryTotalBytes());
        assertEquals(3L << 31, (long) first.memoryUsedBytes());
        assertEquals(123.456, first.powerWatts(), 1e-9);
        assertEquals(700.0, first.powerLimitWatts(), 1e-9);
        assertEquals(5000.5, first.energyJoules(), 1e-9);
        assertEquals(0.41, r.get(1).utilization(), 1e-9);
        assertTrue(Double.isNaN(r.get(1).powerWatts()), "not supported: absent, not zero");
        devices.close();
        assertTrue(nvml.shutdown);
    }

    @Test
    void aFailedInitGivesNoDevices() {
        FakeNvml nvml = new FakeNvml();
        nvml.initResult = 9; // NVML_ERROR_DRIVER_NOT_LOADED
        assertEquals(Optional.empty(), NvmlGpuDevices.open(nvml));
    }

    @Test
    void withoutTheDriverOpeningGivesNoDevices() throws Exception {
        assumeFalse(driverLibraryPresent(), "libnvidia-ml.so.1 is installed here");
        assertEquals(Optional.empty(), NvmlGpuDevices.open());
    }

    private static boolean driverLibraryPresent() throws Exception {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64",
                "/usr/lib/aarch64-linux-gnu")) {
            if (Files.exists(Path.of(dir, "libnvidia-ml.so.1"))) {
                return true;
            }
        }
        if (Files.exists(Path.of("/etc/ld.so.cache"))) {
            try (Stream<String> s = Stream.of(new String(Files.readAllBytes(Path.of("/etc/ld.so.cache")),
                    StandardCharsets.ISO_8859_1))) {
                return s.anyMatch(c -> c.contains("libnvidia-ml.so.1"));
            }
        }
        return false;
    }
}
