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
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Loads one model directory: parse, complete what needs no model, pick the engine, check, select versions, then
 * load each version. Never throws: every failure becomes the reason the model (or one version) is unavailable.
 * Thread-safe; models load in parallel.
 */
final class ModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private final ModelConfigParser parser = new ModelConfigParser();
    private final EngineRegistry engines;
    private final ConfigAutoCompleter completer;
    private final ConfigValidator validator;
    private final VersionLoader versions;

    ModelLoader(EngineRegistry engines, SchedulerFactory schedulers, boolean autoComplete, int gpuCount) {
        this.engines = engines;
        this.completer = new ConfigAutoCompleter(engines.providers(), gpuCount, autoComplete);
        this.validator = new ConfigValidator(gpuCount, autoComplete);
        this.versions = new VersionLoader(completer, validator, schedulers);
    }

    /** Loads the model; failures are logged in full and kept without file-system paths ({@link PublicReasons}). */
    ModelEntry load(Path modelDir) {
        ModelEntry entry = loadWithFullReasons(modelDir);
        Path parent = modelDir.getParent();
        Path repository = parent != null ? parent : modelDir.toAbsolutePath().getParent();
        if (entry.failure() != null) {
            LOG.warn("{}", entry.failure());
            return ModelEntry.failed(entry.name(), PublicReasons.scrub(entry.failure(), repository));
        }
        SortedMap<Long, ModelEntry.VersionEntry> versions = new TreeMap<>();
        for (ModelEntry.VersionEntry v : entry.versions().values()) {
            if (!v.ready()) {
                LOG.warn("{}", v.failure());
                v = new ModelEntry.VersionEntry(v.version(), null, PublicReasons.scrub(v.failure(), repository));
            }
            versions.put(v.version(), v);
        }
        return new ModelEntry(entry.name(), null, versions);
    }

    private ModelEntry loadWithFullReasons(Path modelDir) {
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
