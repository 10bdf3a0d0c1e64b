package io.tensorline.server.repository;

import io.tensorline.engine.DataType;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.core.InferenceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** A repository in a temporary folder, served by the fake engine and fake schedulers; closed after each test. */
abstract class RepositoryTestSupport {

    static final List<TensorSpec> IN = List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4}));
    static final List<TensorSpec> OUT = List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 4}));

    /** A config for the fake engine whose tensors match IN and OUT. */
    static final String CONFIG = """
            platform: "fake_platform"
            max_batch_size: 8
            input [ { name: "x", data_type: TYPE_FP32, dims: [ 4 ] } ]
            output [ { name: "y", data_type: TYPE_FP32, dims: [ 4 ] } ]
            """;

    @TempDir
    Path repo;

    final FakeEngineProvider engine = new FakeEngineProvider();
    final FakeSchedulerFactory schedulers = new FakeSchedulerFactory();
    RepositoryModelRegistry registry;

    @AfterEach
    void closeRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    /** Writes {@code <repo>/<name>/config.pbtxt} (unless null) and a model file in each version folder. */
    void model(String name, String config, long... versions) throws Exception {
        Path dir = Files.createDirectories(repo.resolve(name));
        if (config != null) {
            Files.writeString(dir.resolve("config.pbtxt"), config);
        }
        for (long v : versions) {
            Files.writeString(Files.createDirectories(dir.resolve(Long.toString(v))).resolve("model.fake"), "weights");
        }
        engine.model(name, IN, OUT);
    }

    RepositoryModelRegistry load() {
        return load(RepositoryModelRegistry.Options.defaults());
    }

    RepositoryModelRegistry load(RepositoryModelRegistry.Options options) {
        registry = RepositoryModelRegistry.load(repo, options, new EngineRegistry(List.of(engine)), schedulers);
        return registry;
    }

    static InferenceException resolveFails(ModelRegistry r, String name, String version) {
        return assertThrows(InferenceException.class, () -> r.resolve(name, version));
    }
}
