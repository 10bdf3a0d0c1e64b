package io.tensorline.server.repository;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.proto.ModelConfig;
import io.tensorline.server.config.ConfigAutoCompleter;
import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.ConfigValidator;
import io.tensorline.server.config.ModelConfigParser;
import io.tensorline.server.config.ModelSpecs;
import io.tensorline.server.config.ParsedModelConfig;
import io.tensorline.server.scheduler.SchedulerFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.SortedMap;

/**
 * Loads one model directory in two steps: {@link #prepare} (parse, complete what needs no model, pick the engine,
 * check, select versions) and {@link #loadVersion} per selected version. Never throws for a bad model: every
 * failure becomes the reason the model (or one version) is unavailable. Thread-safe; models load in parallel.
 * Reasons are logged in full and kept without file-system paths ({@link PublicReasons}), since clients see them.
 */
final class ModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    /** A model ready to load its versions: the config as completed so far, its engine, the versions to serve. */
    record Prepared(String name, ModelConfig config, boolean maxBatchSizeGiven, EngineProvider engine,
                    SortedMap<Long, Path> selected, String identity) {
    }

    private final ModelConfigParser parser = new ModelConfigParser();
    private final EngineRegistry engines;
    private final ConfigAutoCompleter completer;
    private final ConfigValidator validator;
    private final VersionLoader versions;
    private final String configName;

    ModelLoader(EngineRegistry engines, SchedulerFactory schedulers, boolean autoComplete, int gpuCount,
                String configName) {
        this.engines = engines;
        this.completer = new ConfigAutoCompleter(engines.providers(), gpuCount, autoComplete);
        this.validator = new ConfigValidator(gpuCount, autoComplete);
        this.versions = new VersionLoader(completer, validator, schedulers);
        this.configName = configName;
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
            throw publicFailure(e, modelDir);
        }
    }

    private Prepared prepareWithFullReasons(String name, Path modelDir, ParsedModelConfig parsed)
            throws ConfigException {
        try {
            ModelConfig raw = parsed.config().getName().isEmpty()
                    ? parsed.config().toBuilder().setName(name).build() : parsed.config();
            SortedMap<Long, Path> onDisk = ModelRepositoryScanner.versions(name, modelDir);
            ModelConfig config = completer.completeIdentity(raw, name, onDisk.get(onDisk.firstKey()));
            validator.validateName(config, name);
            EngineProvider engine = engines.providerFor(config);
            config = completer.completeDefaults(config, engine);
            validator.validateBeforeLoad(config, name);
            SortedMap<Long, Path> selected = ModelRepositoryScanner.select(name,
                    ModelSpecs.versionPolicy(config.getVersionPolicy()), onDisk);
            return new Prepared(name, config, parsed.maxBatchSizeGiven(), engine, selected,
                    parsed.maxBatchSizeGiven() + "\n" + raw);
        } catch (RuntimeException e) {
            throw new ConfigException("model '" + name + "': " + describe(e), e);
        }
    }

    /** Loads one selected version: ready, or failed with a reason that names the model and version. */
    ModelEntry.VersionEntry loadVersion(Prepared p, long version) {
        ModelEntry.VersionEntry v = loadVersionWithFullReason(p, version);
        if (v.ready()) {
            return v;
        }
        LOG.warn("{}", v.reason());
        return ModelEntry.VersionEntry.failed(version, PublicReasons.scrub(v.reason(), repositoryOf(
                p.selected().get(version).getParent())));
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

    private ModelEntry.VersionEntry loadVersionWithFullReason(Prepared p, long version) {
        Path dir = p.selected().get(version);
        String fingerprint = ModelFolders.fingerprint(dir);
        String prefix = "model '" + p.name() + "' version " + version + ": ";
        try {
            return ModelEntry.VersionEntry.ready(versions.load(p.config(), p.maxBatchSizeGiven(), p.engine(), version,
                    dir), fingerprint);
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
