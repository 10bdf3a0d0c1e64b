package io.tensorline.server.repository;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GpuProbeTest {

    @TempDir
    Path dir;

    @Test
    void countsOneDirectoryPerGpu() throws Exception {
        Files.createDirectories(dir.resolve("0000:17:00.0"));
        Files.createDirectories(dir.resolve("0000:65:00.0"));
        Files.createFile(dir.resolve("README"));
        assertEquals(2, GpuProbe.count(dir));
    }

    @Test
    void noDriverDirectoryMeansNoGpu() {
        assertEquals(0, GpuProbe.count(dir.resolve("missing")));
    }
}
