package io.tensorline.server.repository;

import io.tensorline.engine.EngineProvider;
import io.tensorline.server.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineRegistryTest {

    private final FakeEngineProvider onnx =
            new FakeEngineProvider("onnxruntime", Set.of("onnxruntime_onnx"), "model.onnx", 2);
    private final FakeEngineProvider fake = new FakeEngineProvider();
    private final EngineRegistry engines = new EngineRegistry(List.of(onnx, fake));

    private String rejection(String platform, String backend) {
        return assertThrows(ConfigException.class, () -> engines.providerFor("m", platform, backend)).getMessage();
    }

    @Test
    void findsEnginesByBackendAndPlatform() throws Exception {
        assertSame(onnx, engines.byBackend("onnxruntime").orElseThrow());
        assertSame(fake, engines.byPlatform("fake_platform").orElseThrow());
        assertTrue(engines.byBackend("pytorch").isEmpty());
        assertSame(onnx, engines.providerFor("m", "onnxruntime_onnx", "onnxruntime"));
        assertSame(onnx, engines.providerFor("m", "", "onnxruntime"));
    }

    @Test
    void listsProvidersSortedByBackend() {
        assertEquals(List.of(fake, onnx), engines.providers());
    }

    @Test
    void aKnownBackendWithoutItsModuleNamesTheModule() {
        assertEquals("model 'm': no engine for backend 'pytorch' on the class path (add the "
                + "tensorline-engine-pytorch module)", rejection("pytorch_libtorch", "pytorch"));
    }

    @Test
    void anUnknownBackendNamesTheAvailableOnes() {
        assertEquals("model 'm': backend: 'tensorrt' (expected one of the engines on the class path: [fake, "
                + "onnxruntime])", rejection("tensorrt_plan", "tensorrt"));
    }

    @Test
    void anUnknownPlatformNamesTheAvailableOnes() {
        assertEquals("model 'm': platform: 'caffe2_netdef' (expected one of: [fake_platform, onnxruntime_onnx])",
                rejection("caffe2_netdef", ""));
    }

    @Test
    void noPlatformAndNoBackendNamesWhatWouldDo() {
        assertEquals("model 'm': platform and backend: none given and none detected (expected: a platform in "
                + "[fake_platform, onnxruntime_onnx], a backend in [fake, onnxruntime], or a version folder holding "
                + "one of [model.fake, model.onnx])", rejection("", ""));
    }

    @Test
    void aPlatformTheBackendDoesNotServeIsRejected() {
        assertEquals("model 'm': platform: 'fake_platform' (expected one of [onnxruntime_onnx] for backend "
                + "'onnxruntime')", rejection("fake_platform", "onnxruntime"));
    }

    @Test
    void twoEnginesForOneBackendAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EngineRegistry(List.of(fake, new FakeEngineProvider())));
        assertTrue(e.getMessage().startsWith("backend 'fake': served by both "), e.getMessage());
    }

    @Test
    void findsEnginesWithServiceLoader(@TempDir Path classes) throws Exception {
        Path services = Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(services.resolve(EngineProvider.class.getName()),
                ServiceLoadedFakeProvider.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            EngineRegistry found = EngineRegistry.fromClassPath(loader);

            assertTrue(found.byBackend("service-loaded").orElseThrow() instanceof ServiceLoadedFakeProvider);
        }
    }
}
