package io.tensorline.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.TextFormatParseInfoTree;
import io.tensorline.proto.ModelConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code <repo>/<model>/config.pbtxt} (protobuf text format) into the generated {@link ModelConfig}. */
public final class ModelConfigParser {

    public static final String CONFIG_FILE_NAME = "config.pbtxt";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Parses the config of the model in {@code modelDir}. A missing config.pbtxt gives an empty config whose
     * {@code name} is the directory name, for auto-completion to fill in.
     */
    public ParsedModelConfig parse(Path modelDir) throws ConfigException {
        String model = modelDir.getFileName().toString();
        Path file = modelDir.resolve(CONFIG_FILE_NAME);
        if (!Files.exists(file)) {
            return new ParsedModelConfig(ModelConfig.newBuilder().setName(model).build(), false);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("model '" + model + "': cannot read " + file + ": " + e, e);
        }
        return parse(model, file.toString(), text);
    }

    /**
     * Parses the config named by {@code --model-config-name}: {@code <model>/configs/<name>.pbtxt} when it exists,
     * else {@code config.pbtxt} (Triton's fallback). An empty name is the plain {@link #parse(Path)}.
     */
    public ParsedModelConfig parse(Path modelDir, String configName) throws ConfigException {
        if (configName == null || configName.isEmpty()) {
            return parse(modelDir);
        }
        Path custom = modelDir.resolve("configs").resolve(configName + ".pbtxt");
        if (!Files.isRegularFile(custom)) {
            return parse(modelDir);
        }
        String model = modelDir.getFileName().toString();
        try {
            return parse(model, custom.toString(), Files.readString(custom, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("model '" + model + "': cannot read " + custom + ": " + e, e);
        }
    }

    /**
     * Parses a config given as JSON (the {@code config} parameter of a model load), in Triton's JSON form: proto
     * field names or their camelCase forms, enums by name, 64-bit integers as numbers or strings.
     */
    public ParsedModelConfig parseJson(String model, String json) throws ConfigException {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (IOException e) {
            throw new ConfigException(String.format("model '%s': config parameter is not valid JSON: %s", model,
                    e.getMessage().lines().findFirst().orElse("")), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(String.format("model '%s': config parameter is not a JSON object (expected: "
                    + "a ModelConfig such as {\"max_batch_size\": 8})", model));
        }
        ModelConfig.Builder builder = ModelConfig.newBuilder();
        try {
            JsonFormat.parser().merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new ConfigException(String.format("model '%s': config parameter is not a valid ModelConfig: %s",
                    model, e.getMessage()), e);
        }
        boolean mbsGiven = tree.has("max_batch_size") || tree.has("maxBatchSize");
        return new ParsedModelConfig(builder.build(), mbsGiven);
    }

    /**
     * Parses config text.
     *
     * @param model  the model name, for messages
     * @param source where the text came from (a file path), for messages
     */
    public ParsedModelConfig parse(String model, String source, String text) throws ConfigException {
        ModelConfig.Builder builder = ModelConfig.newBuilder();
        TextFormatParseInfoTree.Builder info = TextFormatParseInfoTree.builder();
        TextFormat.Parser parser = TextFormat.Parser.newBuilder().setParseInfoTreeBuilder(info).build();
        try {
            parser.merge(text, builder);
        } catch (TextFormat.ParseException e) {
            throw new ConfigException(String.format("model '%s': cannot parse %s at line %d, column %d: %s",
                    model, source, e.getLine(), e.getColumn(), withoutPosition(e.getMessage())), e);
        }
        boolean mbsGiven = !info.build()
                .getLocations(ModelConfig.getDescriptor().findFieldByNumber(ModelConfig.MAX_BATCH_SIZE_FIELD_NUMBER))
                .isEmpty();
        return new ParsedModelConfig(builder.build(), mbsGiven);
    }

    /** ParseException prefixes its message with "line:column: "; the caller reports those separately. */
    private static String withoutPosition(String message) {
        if (message == null) {
            return "syntax error";
        }
        return message.replaceFirst("^-?\\d+:-?\\d+: ", "");
    }
}
