package io.tensorline.server.repository;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.proto.ModelConfig;
import io.tensorline.server.config.ConfigAutoCompleter;
import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.ConfigValidator;
import io.tensorline.proto.ModelEnsembling;
import io.tensorline.proto.ModelVersionPolicy;
import io.tensorline.server.config.EnsembleConfig;
import io.tensorline.server.config.ModelConfigParser;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.ModelSpecs;
import io.tensorline.server.config.ParsedModelConfig;
import io.tensorline.server.scheduler.SchedulerFactory;
import io.tensorline.server.scheduler.ensemble.ComposingModels;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Loads one model directory: parse, complete what needs no model, pick the engine, check, select versions, then
 * load each version. Never throws: every failure becomes the reason the model (or one version) is unavailable.
 * Thread-safe; models load in parallel.
 */
final class ModelLoader {

    private final ModelConfigParser parser = new ModelConfigParser();
    private final EngineRegistry engines;
    private final ConfigAutoCompleter completer;
    private final ConfigValidator validator;
    private final VersionLoader versions;
    private final SchedulerFactory schedulers;

    ModelLoader(EngineRegistry engines, SchedulerFactory schedulers, boolean autoComplete, int gpuCount) {
        this.engines = engines;
        this.completer = new ConfigAutoCompleter(engines.providers(), gpuCount, autoComplete);
        this.validator = new ConfigValidator(gpuCount, autoComplete);
        this.versions = new VersionLoader(completer, validator, schedulers);
        this.schedulers = schedulers;
    }

    /** The models an ensemble's steps name, or null when the directory holds no (readable) ensemble. */
    List<String> ensembleDependencies(Path modelDir) {
        try {
            ModelConfig config = parser.parse(modelDir).config();
            if (!EnsembleConfig.isEnsemble(config)) {
                return null;
            }
            return config.getEnsembleScheduling().getStepList().stream().map(ModelEnsembling.Step::getModelName)
                    .distinct().toList();
        } catch (ConfigException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Loads an ensemble once the models it names are loaded.
     *
     * @param loaded    the completed spec of each loaded model's latest ready version, or null
     * @param composing finds the steps' models at request time
     */
    ModelEntry loadEnsemble(Path modelDir, Function<String, ModelSpec> loaded, ComposingModels composing) {
        String name = modelDir.getFileName().toString();
        try {
            ModelConfig config = parser.parse(modelDir).config();
            ModelConfig.Builder b = config.toBuilder();
            if (b.getName().isEmpty()) {
                b.setName(name);
            }
            if (!b.hasVersionPolicy()) {
                b.setVersionPolicy(ModelVersionPolicy.newBuilder()
                        .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)));
            }
            config = b.build();
            validator.validateBeforeLoad(config, name);
            if (config.getInputCount() == 0 || config.getOutputCount() == 0) {
                throw ConfigException.of(name, "input/output: %d inputs, %d outputs (expected: an ensemble lists "
                        + "its inputs and outputs in config.pbtxt)", config.getInputCount(), config.getOutputCount());
            }
            EnsembleConfig.validateAgainst(config, loaded);
            ModelSpec spec = ModelSpecs.from(config).withEnsemble(EnsembleConfig.spec(config));
            SortedMap<Long, Path> selected = ModelRepositoryScanner.select(name,
                    ModelSpecs.versionPolicy(config.getVersionPolicy()),
                    ModelRepositoryScanner.versions(name, modelDir));
            SortedMap<Long, ModelEntry.VersionEntry> versions = new TreeMap<>();
            for (long v : selected.keySet()) {
                versions.put(v, new ModelEntry.VersionEntry(v, new ModelVersion(spec, v, config,
                        schedulers.createEnsemble(spec, v, composing)), null));
            }
            return new ModelEntry(name, null, versions);
        } catch (ConfigException e) {
            return ModelEntry.failed(name, e.getMessage());
        } catch (RuntimeException e) {
            return ModelEntry.failed(name, "model '" + name + "': " + describe(e));
        }
    }

    ModelEntry load(Path modelDir) {
        String name = modelDir.getFileName().toString();
        try {
            ParsedModelConfig parsed = parser.parse(modelDir);
            SortedMap<Long, Path> onDisk = ModelRepositoryScanner.versions(name, modelDir);
            ModelConfig config = completer.completeIdentity(parsed.config(), name, onDisk.get(onDisk.firstKey()));
            validator.validateName(config, name);
            EngineProvider engine = engines.providerFor(config);
            config = completer.completeDefaults(config, engine);
            validator.validateBeforeLoad(config, name);
            SortedMap<Long, Path> selected = ModelRepositoryScanner.select(name,
                    ModelSpecs.versionPolicy(config.getVersionPolicy()), onDisk);
            SortedMap<Long, ModelEntry.VersionEntry> loaded = new TreeMap<>();
            for (Map.Entry<Long, Path> v : selected.entrySet()) {
                loaded.put(v.getKey(), loadVersion(config, parsed.maxBatchSizeGiven(), engine, v.getKey(),
                        v.getValue()));
            }
            return new ModelEntry(name, null, loaded);
        } catch (ConfigException e) {
            return ModelEntry.failed(name, e.getMessage());
        } catch (RuntimeException e) {
            return ModelEntry.failed(name, "model '" + name + "': " + describe(e));
        }
    }

    private ModelEntry.VersionEntry loadVersion(ModelConfig config, boolean mbsGiven, EngineProvider engine,
                                                long version, Path dir) {
        String prefix = "model '" + config.getName() + "' version " + version + ": ";
        try {
            return new ModelEntry.VersionEntry(version, versions.load(config, mbsGiven, engine, version, dir), null);
        } catch (ConfigException e) {
            return new ModelEntry.VersionEntry(version, null, e.getMessage());
        } catch (EngineException e) {
            String message = String.valueOf(e.getMessage());
            // engines often name the model and version themselves; say it once
            String detail = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
            return new ModelEntry.VersionEntry(version, null, prefix + "engine '" + engine.backend()
                    + "' cannot load it: " + detail);
        } catch (RuntimeException e) {
            return new ModelEntry.VersionEntry(version, null, prefix + "engine '" + engine.backend()
                    + "' failed: " + describe(e));
        }
    }

    private static String describe(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
