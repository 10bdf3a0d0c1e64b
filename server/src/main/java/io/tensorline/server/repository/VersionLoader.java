package io.tensorline.server.repository;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadedModel;
import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.ConfigPipeline;
import io.tensorline.server.config.InstancePlacement;
import io.tensorline.server.config.ModelDocument;
import io.tensorline.server.scheduler.InPlaceChanges;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.scheduler.SchedulerFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Loads one version of a model: the first instance, whose declared tensors complete and check the config, then the
 * other instances, then their warmup ({@code model_warmup}), then the scheduler that owns them. On any failure the
 * instances created so far are closed. Also applies a change of instance counts or batching settings to a running
 * version ({@link #changeInPlace}).
 */
final class VersionLoader {

    private static final Logger LOG = LoggerFactory.getLogger(VersionLoader.class);

    private final ConfigPipeline pipeline;
    private final SchedulerFactory schedulers;

    VersionLoader(ConfigPipeline pipeline, SchedulerFactory schedulers) {
        this.pipeline = pipeline;
        this.schedulers = schedulers;
    }

    /**
     * @param config            completed except for what only the model can tell
     * @param maxBatchSizeGiven whether config.pbtxt sets max_batch_size
     */
    ModelVersion load(ModelDocument config, boolean maxBatchSizeGiven, EngineProvider engine, long version,
                      Path versionDir) throws ConfigException, EngineException {
        Path modelPath = modelPath(config, version, versionDir);
        List<InstancePlacement> placements = config.placements();
        // Every instance gets the same request, built from what the config declares: the first instance loads
        // before the model's own metadata has completed the config.
        boolean batchKnown = maxBatchSizeGiven || !pipeline.autoComplete();
        List<LoadedModel> instances = new ArrayList<>(placements.size());
        try {
            instances.add(engine.load(config.loadRequest(batchKnown, version, modelPath,
                    placements.get(0).device(), placements.size())));
            LoadedModel first = instances.get(0);
            ConfigPipeline.Completed completed = pipeline.completeFromModel(config, maxBatchSizeGiven,
                    first.inputs(), first.outputs(), versionDir.getParent());
            for (InstancePlacement p : placements.subList(1, placements.size())) {
                instances.add(engine.load(config.loadRequest(batchKnown, version, modelPath, p.device(),
                        placements.size())));
            }
            // every instance warms up before the version can be READY (Triton runs warmup per instance too)
            Warmup.run(completed.config().warmupSamples(versionDir.getParent()), instances);
            Map<String, List<String>> labels = completed.config().labels(versionDir.getParent());
            Scheduler scheduler = schedulers.create(completed.spec(), version, instances);
            ModelVersion mv = new ModelVersion(completed.spec(), version, completed.config(), scheduler, labels,
                    engine.bytesElementCheck());
            mv.built(new VersionBuild(config, maxBatchSizeGiven, batchKnown, engine, versionDir, placements,
                    completed));
            return mv;
        } catch (ConfigException | EngineException | RuntimeException | Error e) {
            instances.forEach(VersionLoader::closeQuietly);
            throw e;
        }
    }

    private static Path modelPath(ModelDocument config, long version, Path versionDir) throws ConfigException {
        Path modelPath = versionDir.resolve(config.defaultModelFilename());
        if (!Files.exists(modelPath)) {
            throw new ConfigException(String.format("model '%s' version %d: model file %s does not exist "
                    + "(expected: '%s' in %s, or default_model_filename naming the file)", config.name(), version,
                    modelPath, config.defaultModelFilename(), versionDir));
        }
        return modelPath;
    }

    /**
     * Applies {@code prepared}, which differs from what {@code mv} runs only in instance counts and dynamic
     * batching settings, to the running version: the instances a group gains are loaded and warmed up, then
     * handed to the scheduler together with the positions of those it loses and the new batching settings;
     * the version's spec and served config follow. Returns once the removed instances have closed (bounded).
     *
     * @return false when the version cannot change in place (its scheduler cannot, or it was not loaded here);
     *         the caller then reloads it
     * @throws ConfigException or EngineException when a new instance does not load or warm up; the version then
     *         runs on unchanged
     */
    boolean changeInPlace(ModelVersion mv, ModelDocument prepared) throws ConfigException, EngineException {
        VersionBuild b = mv.build();
        InPlaceChanges control = mv.scheduler().inPlace();
        if (b == null || control == null) {
            return false;
        }
        List<InstancePlacement> wanted = prepared.placements();
        Map<InstancePlacement, Integer> left = new HashMap<>();
        wanted.forEach(p -> left.merge(p, 1, Integer::sum));
        List<InstancePlacement> order = new ArrayList<>();
        List<Integer> removed = new ArrayList<>();
        for (int i = 0; i < b.placements().size(); i++) {
            InstancePlacement p = b.placements().get(i);
            if (left.getOrDefault(p, 0) > 0) {
                left.merge(p, -1, Integer::sum);
                order.add(p); // kept: the first instances of each placement stay
            } else {
                removed.add(i);
            }
        }
        List<InstancePlacement> toAdd = new ArrayList<>();
        for (InstancePlacement p : wanted) {
            if (left.getOrDefault(p, 0) > 0) {
                left.merge(p, -1, Integer::sum);
                toAdd.add(p);
            }
        }
        ConfigPipeline.Completed served = ConfigPipeline.withRunTimeSettings(b.served(), prepared);
        Path modelPath = modelPath(prepared, mv.version(), b.versionDir());
        List<LoadedModel> added = new ArrayList<>(toAdd.size());
        try {
            for (InstancePlacement p : toAdd) {
                added.add(b.engine().load(prepared.loadRequest(b.batchKnown(), mv.version(), modelPath, p.device(),
                        wanted.size())));
            }
            Warmup.run(served.config().warmupSamples(b.versionDir().getParent()), added);
        } catch (ConfigException | EngineException | RuntimeException | Error e) {
            added.forEach(VersionLoader::closeQuietly);
            throw e;
        }
        var closed = control.change(added, removed, served.spec().dynamicBatching());
        order.addAll(toAdd);
        mv.built(new VersionBuild(prepared, b.maxBatchSizeGiven(), b.batchKnown(), b.engine(), b.versionDir(), order,
                served));
        awaitRemoved(mv, closed);
        return true;
    }

    private static void awaitRemoved(ModelVersion mv, java.util.concurrent.Future<Void> closed) {
        try {
            closed.get(RepositoryModelRegistry.CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("model '{}' version {}: removed instances did not close in {} s", mv.name(), mv.version(),
                    RepositoryModelRegistry.CLOSE_WAIT_SECONDS, e);
        }
    }

    private static void closeQuietly(LoadedModel m) {
        try {
            m.close();
        } catch (RuntimeException ignored) {
            // the load already failed; that failure is the one to report
        }
    }
}
