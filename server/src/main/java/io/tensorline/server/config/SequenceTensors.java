package io.tensorline.server.config;

import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.DataType;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelSequenceBatching;

import java.util.ArrayList;
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

    /** A tensor the sequence batcher adds to or takes from an execution, as config.pbtxt would declare it. */
    record Declared(String name, int dataType, List<Long> dims) {
    }

    /**
     * The control and state inputs the batcher feeds, for engines that need every {@code forward()} argument
     * declared (TorchScript): a control is {@code [1]} in the type its {@code *_false_true} or {@code data_type}
     * says, a state input has the state's type and dims. Empty without {@code sequence_batching}.
     */
    static List<Declared> engineInputs(ModelConfig config) {
        List<Declared> out = new ArrayList<>();
        if (!config.hasSequenceBatching()) {
            return out;
        }
        ModelSequenceBatching sb = config.getSequenceBatching();
        for (ModelSequenceBatching.ControlInput c : sb.getControlInputList()) {
            if (c.getControlCount() == 0) {
                continue;
            }
            ModelSequenceBatching.Control k = c.getControl(0);
            DataType type = k.getKind() == ModelSequenceBatching.Control.Kind.CONTROL_SEQUENCE_CORRID
                    ? k.getDataType()
                    : k.getFp32FalseTrueCount() > 0 ? DataType.TYPE_FP32
                    : k.getBoolFalseTrueCount() > 0 ? DataType.TYPE_BOOL : DataType.TYPE_INT32;
            out.add(new Declared(c.getName(), type.getNumber(), List.of(1L)));
        }
        sb.getStateList().forEach(s -> out.add(new Declared(s.getInputName(), s.getDataTypeValue(), s.getDimsList())));
        return out;
    }

    /** The state outputs the batcher keeps, declared as {@link #engineInputs} declares the inputs. */
    static List<Declared> engineOutputs(ModelConfig config) {
        List<Declared> out = new ArrayList<>();
        if (config.hasSequenceBatching()) {
            config.getSequenceBatching().getStateList().forEach(
                    s -> out.add(new Declared(s.getOutputName(), s.getDataTypeValue(), s.getDimsList())));
        }
        return out;
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
