package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.simulated.SimulatedEngineProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** model_warmup on the simulated device: samples run on every instance before READY; a bad one fails the load. */
class WarmupTest {

    @TempDir
    Path repo;

    private RepositoryModelRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private void model(String name, String warmup) throws Exception {
        Path dir = Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.writeString(dir.resolve("model.simulated"), "");
        Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
                backend: "simulated"
                max_batch_size: 8
                input [ { name: "INPUT0", data_type: TYPE_FP32, dims: [ 16 ] } ]
                output [ { name: "OUTPUT0", data_type: TYPE_FP32, dims: [ 16 ] } ]
                instance_group [ { count: 2, kind: KIND_CPU } ]
                """ + warmup);
    }

    private RepositoryModelRegistry start(ModelControlMode mode) {
        registry = RepositoryModelRegistry.load(List.of(repo), RepositoryModelRegistry.Options.defaults()
                        .withModelControl(mode, List.of(), 0),
                new EngineRegistry(List.of(new SimulatedEngineProvider())), new DefaultSchedulerFactory());
        return registry;
    }

    private ModelIndexEntry row(String name) {
        return registry.index().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void zeroRandomAndFileSamplesWarmEveryInstanceBeforeTheModelIsReady() throws Exception {
        model("warm", """
                model_warmup [
                  { name: "zeros", batch_size: 2, count: 3,
                    inputs { key: "INPUT0" value: { data_type: TYPE_FP32, dims: [ 16 ], zero_data: true } } },
                  { name: "random", batch_size: 1,
                    inputs { key: "INPUT0" value: { data_type: TYPE_FP32, dims: [ 16 ], random_data: true } } },
                  { name: "file", batch_size: 4,
                    inputs { key: "INPUT0" value: { data_type: TYPE_FP32, dims: [ 16 ], input_data_file: "row.bin" } } },
                  { name: "skipped", batch_size: 0,
                    inputs { key: "NOT_AN_INPUT" value: { data_type: TYPE_FP32, dims: [ 1 ], zero_data: true } } }
                ]
                """);
        Files.createDirectories(repo.resolve("warm/warmup"));
        Files.write(repo.resolve("warm/warmup/row.bin"), new byte[64]);
        start(ModelControlMode.NONE);
        assertEquals(new ModelIndexEntry("warm", "1", ModelState.READY, ""), row("warm"));
    }

    @Test
    void aSampleFileTooSmallFailsTheStartupLoadWithTritonsText() throws Exception {
        model("short", """
                model_warmup [ { name: "tiny", batch_size: 1,
                  inputs { key: "INPUT0" value: { data_type: TYPE_FP32, dims: [ 16 ], input_data_file: "a.bin" } } } ]
                """);
        Files.createDirectories(repo.resolve("short/warmup"));
        Files.write(repo.resolve("short/warmup/a.bin"), new byte[4]);
        start(ModelControlMode.NONE);
        assertEquals(new ModelIndexEntry("short", "1", ModelState.UNAVAILABLE, "failed to run warmup sample 'tiny': "
                + "warmup setting expects 64 bytes, but the data provided from a.binonly has 4 bytes"), row("short"));
    }

    @Test
    void aSampleTheEngineRejectsFailsARunTimeLoadAndNothingIsServed() throws Exception {
        model("bad", """
                model_warmup [ { name: "wrong_input", batch_size: 1,
                  inputs { key: "OTHER" value: { data_type: TYPE_FP32, dims: [ 16 ], zero_data: true } } } ]
                """);
        start(ModelControlMode.EXPLICIT);
        CompletionException e = assertThrows(CompletionException.class,
                () -> registry.loadModel("bad", LoadParameters.NONE).join());
        String message = InferenceException.from(e).getMessage();
        assertTrue(message.startsWith("load failed for model 'bad': version 1 is at UNAVAILABLE state: failed to "
                + "run warmup sample 'wrong_input': "), message);
        assertEquals(ModelState.UNAVAILABLE, row("bad").state());
        assertThrows(InferenceException.class, () -> registry.resolve("bad", ""));
    }

    @Test
    void aSampleWithoutDataOrWithAVariableDimensionFails() throws Exception {
        model("nodata", """
                model_warmup [ { name: "empty", batch_size: 1,
                  inputs { key: "INPUT0" value: { data_type: TYPE_FP32, dims: [ 16 ] } } } ]
                """);
        model("variable", """
                model_warmup [ { name: "var", batch_size: 1,
                  inputs { key: "INPUT0" value: { data_type: TYPE_FP32, dims: [ -1 ], zero_data: true } } } ]
                """);
        start(ModelControlMode.NONE);
        assertEquals("failed to run warmup sample 'empty': warmup setting expects input 'INPUT0' to have "
                + "input_data_type set", row("nodata").reason());
        assertEquals("failed to run warmup sample 'var': warmup setting expects all variable-size dimensions are "
                + "specified for input 'INPUT0'", row("variable").reason());
    }
}
