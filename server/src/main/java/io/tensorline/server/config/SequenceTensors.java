package io.tensorline.server.config;

import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelSequenceBatching;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The model tensors a sequence batcher fills or keeps (control inputs, state inputs and state outputs), which the
 * config's {@code input}/{@code output} leave out. Empty for a model without {@code sequence_batching}.
 */
record SequenceTensors(Set<String> inputs, Set<String> outputs) {

    static SequenceTensors of(ModelConfig config) {
        Set<String> in = new HashSet<>();
        Set<String> out = new HashSet<>();
        if (config.hasSequenceBatching()) {
            ModelSequenceBatching sb = config.getSequenceBatching();
            sb.getControlInputList().forEach(c -> in.add(c.getName()));
            sb.getStateList().forEach(s -> {
                in.add(s.getInputName());
                out.add(s.getOutputName());
            });
        }
        return new SequenceTensors(Set.copyOf(in), Set.copyOf(out));
    }

    /** The inputs a request carries. */
    List<TensorSpec> requestInputs(List<TensorSpec> modelInputs) {
        return modelInputs.stream().filter(t -> !inputs.contains(t.name())).toList();
    }

    /** The outputs offered when the config lists none (a state output is returned only when listed). */
    List<TensorSpec> requestOutputs(List<TensorSpec> modelOutputs) {
        return modelOutputs.stream().filter(t -> !outputs.contains(t.name())).toList();
    }
}
