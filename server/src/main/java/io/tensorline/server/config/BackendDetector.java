package io.tensorline.server.config;

import io.tensorline.engine.EngineProvider;
import io.tensorline.proto.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Fills in {@code platform} and {@code backend}: detected from the model file when both are empty, otherwise the
 * missing one derived from the other. Never fails: a config it cannot complete is rejected later, when an engine is
 * chosen, with a message naming the engines that are available.
 */
final class BackendDetector {

    /** Triton's platforms and the backend serving each, so a platform without an engine still names its backend. */
    private static final Map<String, String> KNOWN_PLATFORMS = Map.of(
            "tensorrt_plan", "tensorrt",
            "onnxruntime_onnx", "onnxruntime",
            "pytorch_libtorch", "pytorch",
            "libtorch", "pytorch",
            "torch_aoti", "pytorch",
            "tensorflow_savedmodel", "tensorflow",
            "tensorflow_graphdef", "tensorflow");

    /** The platform Triton reports for a backend when the config names only the backend. */
    private static final Map<String, String> CANONICAL_PLATFORM = Map.of(
            "tensorrt", "tensorrt_plan",
            "onnxruntime", "onnxruntime_onnx",
            "pytorch", "pytorch_libtorch",
            "tensorflow", "tensorflow_savedmodel");

    private final List<EngineProvider> providers;

    BackendDetector(List<EngineProvider> providers) {
        List<EngineProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparing(EngineProvider::backend)); // detection order must not depend on the class path
        this.providers = List.copyOf(sorted);
    }

    /**
     * @param firstVersionDir the lowest-numbered version folder, looked into when the config names no backend;
     *                        may be null
     */
    ModelConfig complete(ModelConfig config, String directoryName, Path firstVersionDir) {
        String platform = config.getPlatform();
        String backend = config.getBackend();
        if (platform.isEmpty() && backend.isEmpty()) {
            backend = detect(firstVersionDir).or(() -> fromDirectorySuffix(directoryName)).orElse("");
        }
        if (backend.isEmpty() && !platform.isEmpty()) {
            backend = backendOf(platform);
        }
        if (platform.isEmpty() && !backend.isEmpty()) {
            platform = platformOf(backend);
        }
        return config.toBuilder().setPlatform(platform).setBackend(backend).build();
    }

    private Optional<String> detect(Path versionDir) {
        if (versionDir == null) {
            return Optional.empty();
        }
        for (EngineProvider p : providers) {
            if (Files.exists(versionDir.resolve(p.defaultModelFileName()))) {
                return Optional.of(p.backend());
            }
        }
        return Optional.empty();
    }

    /** Triton's fallback: a model directory named {@code x.<backend>} is served by that backend. */
    private static Optional<String> fromDirectorySuffix(String directoryName) {
        int dot = directoryName.lastIndexOf('.');
        if (dot <= 0 || dot == directoryName.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(directoryName.substring(dot + 1));
    }

    private String backendOf(String platform) {
        for (EngineProvider p : providers) {
            if (p.platforms().contains(platform)) {
                return p.backend();
            }
        }
        return KNOWN_PLATFORMS.getOrDefault(platform, "");
    }

    private String platformOf(String backend) {
        String canonical = CANONICAL_PLATFORM.get(backend);
        for (EngineProvider p : providers) {
            if (p.backend().equals(backend) && !p.platforms().isEmpty()) {
                return canonical != null && p.platforms().contains(canonical)
                        ? canonical : new TreeSet<>(p.platforms()).first();
            }
        }
        return canonical == null ? "" : canonical;
    }
}
