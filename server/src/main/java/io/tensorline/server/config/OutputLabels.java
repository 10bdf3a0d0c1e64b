package io.tensorline.server.config;

import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelOutput;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads each output's {@code label_filename} (relative to the model folder, one label per line) at load time. */
final class OutputLabels {

    private OutputLabels() {
    }

    static Map<String, List<String>> read(ModelConfig config, Path modelDir) throws ConfigException {
        Map<String, List<String>> out = new HashMap<>();
        for (ModelOutput o : config.getOutputList()) {
            if (o.getLabelFilename().isEmpty()) {
                continue;
            }
            Path file = modelDir.resolve(o.getLabelFilename()).normalize();
            if (!file.startsWith(modelDir.normalize())) {
                throw new ConfigException(String.format("model '%s' output '%s': label_filename '%s' leaves the "
                        + "model folder (expected: a path relative to %s)", config.getName(), o.getName(),
                        o.getLabelFilename(), modelDir));
            }
            try {
                out.put(o.getName(), List.copyOf(Files.readAllLines(file, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new ConfigException(String.format("model '%s' output '%s': cannot read label_filename %s: %s",
                        config.getName(), o.getName(), file, e));
            }
        }
        return out;
    }
}
