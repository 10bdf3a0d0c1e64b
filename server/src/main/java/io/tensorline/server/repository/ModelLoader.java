package io.tensorline.server.repository;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.server.config.ConfigChange;
import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.ConfigPipeline;
import io.tensorline.server.config.ModelConfigParser;
import io.tensorline.server.config.ModelDocument;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.ParsedModelConfig;
import io.tensorline.server.scheduler.SchedulerFactory;
import io.tensorline.server.scheduler.ensemble.ComposingModels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * Loads one model directory in two steps: {@link #prepare} (parse, complete what needs no model, pick the engine,
 * check, select versions) and {@link #loadVersion} per selected version. Never throws for a bad model: every
 * failure becomes the reason the model (or one version) is unavailable. Thread-safe; models load in parallel.
 * Reasons are logged in full and kept without file-system paths ({@link PublicReasons}), since clients see them.
 */
final class ModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    /**
     * A model ready to load its versions: the config as completed so far, its engine, the versions to serve. An
     * ensemble has no engine ({@code engine} null) and its checked spec in {@code ensemble}.
     */
    record Prepared(String name, ModelDocument config, boolean maxBatchSizeGiven, EngineProvider engine,
                    SortedMap<Long, Path> selected, String identity, ModelSpec ensemble) {
    }

    private final ModelConfigParser parser = new ModelConfigParser();
    private final EngineRegistry engines;
    private final ConfigPipeline pipeline;
    private final VersionLoader versions;
    private final String configName;
    private final SchedulerFactory schedulers;
    private final ComposingModels composing;

    /** @param composing finds an ensemble step's model when the step runs */
    ModelLoader(EngineRegistry engines, SchedulerFactory schedulers, boolean autoComplete, int gpuCount,
                String configName, ComposingModels composing) {
        this.engines = engines;
        this.pipeline = new ConfigPipeline(engines.providers(), gpuCount, autoComplete);
        this.versions = new VersionLoader(pipeline, schedulers);
        this.configName = configName;
        this.schedulers = schedulers;
        this.composing = composing;
    }

    /** The models an ensemble's steps name, or null when the folder holds no (readable) ensemble config. */
    List<String> ensembleDependencies(Path modelDir) {
        try {
            return ensembleDependencies(parser.parse(modelDir, configName));
        } catch (ConfigException | RuntimeException e) {
            return null; // the load itself reports why the config cannot be read
        }
    }

    /** The models an ensemble's steps name, or null when {@code parsed} is not an ensemble's config. */
    static List<String> ensembleDependencies(ParsedModelConfig parsed) {
        return ConfigPipeline.ensembleDependencies(parsed);
    }

    /**
     * Checks an ensemble against the models it names, as they are loaded now, and selects its versions.
     *
     * @param loaded the completed spec of a model's latest ready version, or null when it has none
     * @throws ConfigException naming the ensemble and what is wrong (a missing composing model by name)
     */
    Prepared prepareEnsemble(String name, Path modelDir, ParsedModelConfig parsed,
                             Function<String, ModelSpec> loaded) throws ConfigException {
        try {
            try {
                ConfigPipeline.Prepared p = pipeline.prepareEnsemble(name, parsed, loaded);
                SortedMap<Long, Path> selected = ModelRepositoryScanner.select(name, p.versionPolicy(),
                        ModelRepositoryScanner.versions(name, modelDir));
                return new Prepared(name, p.config(), p.maxBatchSizeGiven(), null, selected, p.identity(),
                        p.ensemble());
            } catch (RuntimeException e) {
                throw new ConfigException("model '" + name + "': " + describe(e), e);
            }
        } catch (ConfigException e) {
            schedulers.loadFailed(name);
            throw publicFailure(e, modelDir);
        }
    }

    /**
     * Reads the model's config: the override when given, else the folder's config file.
     *
     * @param configOverride a ModelConfig as JSON that replaces the config files, or null
     * @throws ConfigException when it cannot be read or parsed
     */
    ParsedModelConfig parse(String name, Path modelDir, String configOverride) throws ConfigException {
        try {
            return configOverride != null ? parser.parseJson(name, configOverride)
                    : parser.parse(modelDir, configName);
        } catch (ConfigException e) {
            schedulers.loadFailed(name);
            throw publicFailure(e, modelDir);
        }
    }

    /**
     * @param name   the model's name (the folder may be a temporary one holding {@code file:} parameters)
     * @param parsed from {@link #parse}
     * @throws ConfigException when the config cannot be accepted, or no version can be selected
     */
    Prepared prepare(String name, Path modelDir, ParsedModelConfig parsed) throws ConfigException {
        try {
            return prepareWithFullReasons(name, modelDir, parsed);
        } catch (ConfigException e) {
            schedulers.loadFailed(name);
            throw publicFailure(e, modelDir);
        }
    }

    private Prepared prepareWithFullReasons(String name, Path modelDir, ParsedModelConfig parsed)
            throws ConfigException {
        try {
            SortedMap<Long, Path> onDisk = ModelRepositoryScanner.versions(name, modelDir);
            ConfigPipeline.Prepared p = pipeline.prepare(name, parsed, onDisk.get(onDisk.firstKey()),
                    engines::providerFor);
            SortedMap<Long, Path> selected = ModelRepositoryScanner.select(name, p.versionPolicy(), onDisk);
            return new Prepared(name, p.config(), p.maxBatchSizeGiven(), p.engine(), selected, p.identity(), null);
        } catch (RuntimeException e) {
            throw new ConfigException("model '" + name + "': " + describe(e), e);
        }
    }

    /** Loads one selected version: ready, or failed with a reason that names the model and version. */
    ModelEntry.VersionEntry loadVersion(Prepared p, long version) {
        long start = System.nanoTime();
        ModelEntry.VersionEntry v = withPublicReason(p, p.ensemble() != null ? loadEnsembleVersion(p, version)
                : loadVersionWithFullReason(p, version));
        if (v.ready()) {
            schedulers.versionLoaded(p.name(), version, System.nanoTime() - start);
        } else {
            schedulers.loadFailed(p.name());
        }
        return v;
    }

    /** A failed version's reason is logged in full and kept without server paths. */
    private static ModelEntry.VersionEntry withPublicReason(Prepared p, ModelEntry.VersionEntry v) {
        if (v.ready()) {
            return v;
        }
        LOG.warn("{}", v.reason());
        return ModelEntry.VersionEntry.failed(v.version(), PublicReasons.scrub(v.reason(), repositoryOf(
                p.selected().get(v.version()).getParent())));
    }

    /** Logs the full reason once and returns the same failure without server paths. */
    private static ConfigException publicFailure(ConfigException e, Path modelDir) {
        LOG.warn("{}", e.getMessage());
        return new ConfigException(PublicReasons.scrub(e.getMessage(), repositoryOf(modelDir)), e);
    }

    private static Path repositoryOf(Path modelDir) {
        Path parent = modelDir.getParent();
        return parent != null ? parent : modelDir.toAbsolutePath().getParent();
    }

    /** An ensemble version runs no instance: its scheduler runs each step on the composing model's scheduler. */
    private ModelEntry.VersionEntry loadEnsembleVersion(Prepared p, long version) {
        Path dir = p.selected().get(version);
        try {
            return ModelEntry.VersionEntry.ready(new ModelVersion(p.ensemble(), version, p.config(),
                    schedulers.createEnsemble(p.ensemble(), version, composing)), ModelFolders.fingerprint(dir));
        } catch (RuntimeException e) {
            return ModelEntry.VersionEntry.failed(version, "model '" + p.name() + "' version " + version + ": "
                    + describe(e));
        }
    }

    private ModelEntry.VersionEntry loadVersionWithFullReason(Prepared p, long version) {
        Path dir = p.selected().get(version);
        return attempt(p, version, ModelFolders.fingerprint(dir),
                () -> versions.load(p.config(), p.maxBatchSizeGiven(), p.engine(), version, dir));
    }

    /**
     * Whether a running version can take {@code p} in place: the same engine and max_batch_size source, and a
     * config that differs only in instance counts and dynamic batching settings ({@link ConfigChange#inPlace}).
     */
    boolean changesInPlace(ModelVersion running, Prepared p) {
        VersionBuild b = running.build();
        return p.ensemble() == null && b != null && running.scheduler().inPlace() != null
                && b.engine() == p.engine() && b.maxBatchSizeGiven() == p.maxBatchSizeGiven()
                && ConfigChange.between(b.prepared(), p.config()).inPlace();
    }

    /**
     * Applies {@code p} to a running version for which {@link #changesInPlace} holds: the same handle, READY,
     * or failed with a reason as a load's; after a failure the handle runs on unchanged.
     */
    ModelEntry.VersionEntry changeInPlace(ModelVersion running, Prepared p, String fingerprint) {
        return withPublicReason(p, attempt(p, running.version(), fingerprint, () -> {
            if (!versions.changeInPlace(running, p.config())) {
                throw new IllegalStateException("the scheduler cannot change in place");
            }
            return running;
        }));
    }

    /** Builds or changes one version. */
    @FunctionalInterface
    private interface VersionWork {
        ModelVersion run() throws ConfigException, EngineException;
    }

    /** Runs {@code work}: the version READY, or failed with a reason that names the model, version and engine. */
    private static ModelEntry.VersionEntry attempt(Prepared p, long version, String fingerprint, VersionWork work) {
        String prefix = "model '" + p.name() + "' version " + version + ": ";
        try {
            return ModelEntry.VersionEntry.ready(work.run(), fingerprint);
        } catch (ConfigException e) {
            return ModelEntry.VersionEntry.failed(version, e.getMessage());
        } catch (EngineException e) {
            String message = String.valueOf(e.getMessage());
            // engines often name the model and version themselves; say it once
            String detail = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
            return ModelEntry.VersionEntry.failed(version, prefix + "engine '" + p.engine().backend()
                    + "' cannot load it: " + detail);
        } catch (RuntimeException e) {
            return ModelEntry.VersionEntry.failed(version, prefix + "engine '" + p.engine().backend()
                    + "' failed: " + describe(e));
        }
    }

    private static String describe(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
