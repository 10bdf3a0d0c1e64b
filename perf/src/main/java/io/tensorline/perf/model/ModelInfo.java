package io.tensorline.perf.model;

import java.util.List;
import java.util.Objects;

/**
 * What the server says about a model: its metadata plus {@code max_batch_size} from its config.
 *
 * @param configAvailable false when the server does not serve model configuration (plain KServe v2 servers),
 *                        in which case {@code maxBatchSize} is 0 and the metadata shapes are taken as they are
 */
public record ModelInfo(String name, List<String> versions, String platform, List<TensorMeta> inputs,
                        List<TensorMeta> outputs, int maxBatchSize, boolean configAvailable) {

    public ModelInfo {
        Objects.requireNonNull(name, "name");
        versions = List.copyOf(versions);
        Objects.requireNonNull(platform, "platform");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
