package io.tensorline.server.repository;

import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.proto.ModelConfig;
import io.tensorline.server.scheduler.SchedulerFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How models and versions load: instances, load requests, completion, and what happens on failure. */
class ModelLoadingTest extends RepositoryTestSupport {

    @Test
    void eachVersionGetsItsSchedulerWithOneInstancePerConfiguredInstance() throws Exception {
        model("m", CONFIG + "instance_group [ { count: 3, kind: KIND_CPU } ]", 1);
        load();

        FakeSchedulerFactory.FakeScheduler s = schedulers.created().get(0);
        assertEquals(1, s.version());
        assertEquals("m", s.spec().name());
        assertEquals(3, s.instances().size());
        assertEquals(registry.resolve("m", "").scheduler(), s);
    }

    @Test
    void gpuGroupsGiveCountInstancesOnEachListedGpu() throws Exception {
        model("m", CONFIG + "instance_group [ { count: 1, kind: KIND_GPU, gpus: [ 0 ] },"
                + " { count: 2, kind: KIND_GPU, gpus: [ 1, 2 ] } ]", 1);
        load(RepositoryModelRegistry.Options.defaults().withGpuCount(3));

        List<LoadRequest> requests = engine.requests("m");

        assertEquals(List.of(Device.gpu(0), Device.gpu(1), Device.gpu(1), Device.gpu(2), Device.gpu(2)),
                requests.stream().map(LoadRequest::device).toList());
        requests.forEach(q -> assertEquals(5, q.instanceCount()));
    }

    @Test
    void aGpuGroupOnAMachineWithoutGpuFailsBeforeAnythingLoads() throws Exception {
        model("m", CONFIG + "instance_group [ { name: \"g\", kind: KIND_GPU, gpus: [ 0 ] } ]", 1);
        RepositoryModelRegistry r = load();

        assertEquals("model 'm': instance_group 'g' asks for GPU 0 but this machine has no GPU",
                loadFailure(r));
        assertEquals(List.of(), engine.requests());
    }

    @Test
    void theLoadRequestCarriesTheDeclaredConfig() throws Exception {
        model("m", CONFIG + "parameters { key: \"threads\" value: { string_value: \"2\" } }", 1);
        load();

        LoadRequest q = engine.requests("m").get(0);

        assertEquals(repo.resolve("m/1/model.fake"), q.modelPath());
        assertEquals(8, q.maxBatchSize());
        assertEquals(IN, q.inputs());
        assertEquals(OUT, q.outputs());
        assertEquals(Map.of("threads", "2"), q.parameters());
        assertEquals(Device.CPU, q.device());
        assertEquals(1, q.version());
    }

    @Test
    void aFailingInstanceClosesThoseAlreadyLoaded() throws Exception {
        model("m", CONFIG + "instance_group [ { count: 3, kind: KIND_CPU } ]", 1);
        engine.failOnInstance("m", IN, OUT, 1, "out of memory");
        RepositoryModelRegistry r = load();

        assertEquals("model 'm' version 1: engine 'fake' cannot load it: out of memory",
                loadFailure(r));
        assertEquals(1, engine.instances().size());
        assertTrue(engine.instances().get(0).closed());
        assertEquals(List.of(), schedulers.created());
    }

    @Test
    void anEngineMessageThatNamesTheModelAndVersionIsNotPrefixedTwice() throws Exception {
        model("m", CONFIG, 1);
        engine.failVersion("m", 1, "model 'm' version 1: unsupported operator Foo");

        assertEquals("model 'm' version 1: engine 'fake' cannot load it: unsupported operator Foo",
                loadFailure(load()));
    }

    @Test
    void aConfigThatDisagreesWithTheModelFailsAtLoadAndClosesTheInstance() throws Exception {
        model("m", CONFIG.replace("dims: [ 4 ] } ]\noutput", "dims: [ 5 ] } ]\noutput"), 1);
        RepositoryModelRegistry r = load();

        assertEquals(List.of(new ModelIndexEntry("m", "1", ModelState.UNAVAILABLE, "model 'm': input 'x': shape "
                + "[-1, 5] from dims (expected: [-1, 4], as the model declares; -1 only where the model has -1, the "
                + "first dimension being the batch)")), r.index());
        assertTrue(engine.instances().get(0).closed());
    }

    @Test
    void aMissingModelFileIsReported() throws Exception {
        model("m", CONFIG + "default_model_filename: \"net.fake\"", 1);
        RepositoryModelRegistry r = load();

        // paths relative to the repository: clients see these reasons
        assertEquals("model 'm' version 1: model file m/1/net.fake does not exist "
                        + "(expected: 'net.fake' in m/1, or default_model_filename naming the file)",
                loadFailure(r));
    }

    @Test
    void aModelWithoutConfigIsCompletedFromTheModel() throws Exception {
        model("auto", null, 1);
        RepositoryModelRegistry r = load();

        ModelVersion mv = r.resolve("auto", "");
        ModelConfig c = mv.completedConfig().toProto();

        assertEquals("fake_platform", c.getPlatform());
        assertEquals("fake", c.getBackend());
        assertEquals(4, c.getMaxBatchSize());
        assertEquals(List.of(4L), c.getInput(0).getDimsList());
        assertEquals("model.fake", c.getDefaultModelFilename());
        assertEquals("auto_0", c.getInstanceGroup(0).getName());
        assertFalse(c.hasDynamicBatching());
        assertEquals(4, mv.spec().maxBatchSize());
        // the first instance loaded before max_batch_size was known
        assertEquals(-1, engine.requests("auto").get(0).maxBatchSize());
        assertEquals(List.of(), engine.requests("auto").get(0).inputs());
    }

    @Test
    void strictModeRejectsAConfigWithoutTensorsBeforeLoading() throws Exception {
        model("m", "platform: \"fake_platform\"\nmax_batch_size: 8\n", 1);
        RepositoryModelRegistry r = load(RepositoryModelRegistry.Options.defaults().withAutoComplete(false));

        assertEquals("model 'm': input: none (expected: at least one input, listed in config.pbtxt when "
                + "auto-complete is off)", loadFailure(r));
        assertEquals(List.of(), engine.requests());
    }

    @Test
    void strictModeServesACompleteConfigAsWritten() throws Exception {
        model("m", CONFIG, 1);
        RepositoryModelRegistry r = load(RepositoryModelRegistry.Options.defaults().withAutoComplete(false));

        ModelConfig c = r.resolve("m", "").completedConfig().toProto();

        assertEquals(8, c.getMaxBatchSize());
        assertEquals(1, c.getInstanceGroupCount()); // instance groups are still filled in
    }

    @Test
    void aParseErrorMakesTheModelUnavailable() throws Exception {
        model("m", "max_batch_size: eight\n", 1);
        String reason = loadFailure(load());
        assertTrue(reason.startsWith("model 'm': cannot parse m/config.pbtxt at line 1, "),
                reason);
    }

    @Test
    void schedulersComeFromTheFactory() throws Exception {
        model("m", CONFIG, 1);
        SchedulerFactory failing = (spec, version, instances) -> {
            throw new IllegalStateException("no threads left");
        };
        registry = RepositoryModelRegistry.load(repo, RepositoryModelRegistry.Options.defaults(),
                new EngineRegistry(List.of(engine)), failing);

        assertEquals("model 'm' version 1: engine 'fake' failed: IllegalStateException: no threads left",
                loadFailure(registry));
        assertTrue(engine.instances().get(0).closed());
    }

    /** The load failure an unversioned request is answered with, after Triton's "no available versions" words. */
    private static String loadFailure(RepositoryModelRegistry r) {
        String prefix = "Request for unknown model: 'm' has no available versions: ";
        String message = resolveFails(r, "m", "").getMessage();
        assertTrue(message.startsWith(prefix), message);
        return message.substring(prefix.length());
    }
}
