package io.tensorline.server.config;

import com.google.protobuf.TextFormat;
import com.google.protobuf.TextFormatParseInfoTree;
import io.tensorline.proto.ModelConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code <repo>/<model>/config.pbtxt} (protobuf text format) into the generated {@link ModelConfig}. */
public final class ModelConfigParser {

    public static final String CONFIG_FILE_NAME = "config.pbtxt";

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
