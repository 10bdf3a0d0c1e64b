package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelSequenceBatching;
import io.tensorline.proto.ModelSequenceBatching.Control;
import io.tensorline.proto.ModelSequenceBatching.ControlInput;
import io.tensorline.proto.ModelSequenceBatching.InitialState;
import io.tensorline.server.config.SequenceBatchingSpec.Kind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks {@code sequence_batching} (Triton's wording where Triton has one) and turns it into a
 * {@link SequenceBatchingSpec}. Stateless.
 */
public final class SequenceBatchingConfig {

    private SequenceBatchingConfig() {
    }

    /** The rules that need neither the model files nor the loaded model. */
    static void validate(ModelConfig config) throws ConfigException {
        if (!config.hasSequenceBatching()) {
            return;
        }
        String m = config.getName();
        ModelSequenceBatching sb = config.getSequenceBatching();
        if (config.hasResponseCache() && config.getResponseCache().getEnable()) {
            throw ConfigException.of(m, "Response Cache does not currently support model %s with sequence batching "
                    + "scheduler. Please disable the response cache.", m);
        }
        if (sb.getIterativeSequence()) {
            throw ConfigException.of(m, "sequence_batching.iterative_sequence: true (expected: false; iterative "
                    + "sequences are not supported)");
        }
        if (sb.getMaxSequenceIdleMicroseconds() < 0) {
            throw ConfigException.of(m, "sequence_batching.max_sequence_idle_microseconds: %s (expected: <= %d)",
                    Long.toUnsignedString(sb.getMaxSequenceIdleMicroseconds()), Long.MAX_VALUE);
        }
        validateControls(m, sb);
        validateStates(m, sb);
        if (sb.hasOldest()) {
            ModelSequenceBatching.StrategyOldest o = sb.getOldest();
            if (o.getMaxCandidateSequences() < 1) {
                throw ConfigException.of(m, "sequence_batching.oldest.max_candidate_sequences: %d (expected: >= 1)",
                        o.getMaxCandidateSequences());
            }
            int mbs = Math.max(1, config.getMaxBatchSize());
            for (int size : o.getPreferredBatchSizeList()) {
                if (size < 1 || size > mbs) {
                    throw ConfigException.of(m, "sequence_batching.oldest.preferred_batch_size: %d (expected: 1 to "
                            + "max_batch_size %d)", size, mbs);
                }
            }
            checkDelay(m, "sequence_batching.oldest.max_queue_delay_microseconds", o.getMaxQueueDelayMicroseconds());
        } else {
            ModelSequenceBatching.StrategyDirect d = sb.getDirect();
            checkDelay(m, "sequence_batching.direct.max_queue_delay_microseconds", d.getMaxQueueDelayMicroseconds());
            float u = d.getMinimumSlotUtilization();
            if (!(u >= 0f && u <= 1f)) {
                throw ConfigException.of(m, "sequence_batching.direct.minimum_slot_utilization: %s (expected: 0.0 to "
                        + "1.0)", u);
            }
        }
    }

    private static void checkDelay(String m, String field, long micros) throws ConfigException {
        if (micros < 0) {
            throw ConfigException.of(m, "%s: %s (expected: <= %d)", field, Long.toUnsignedString(micros),
                    Long.MAX_VALUE);
        }
    }

    private static void validateControls(String m, ModelSequenceBatching sb) throws ConfigException {
        Set<String> names = new HashSet<>();
        Set<Control.Kind> kinds = EnumSet.noneOf(Control.Kind.class);
        for (ControlInput ci : sb.getControlInputList()) {
            if (ci.getName().isEmpty()) {
                throw ConfigException.of(m, "sequence_batching.control_input.name: empty (expected: a model input "
                        + "name)");
            }
            if (!names.add(ci.getName())) {
                throw ConfigException.of(m, "sequence_batching.control_input '%s': listed more than once (expected: "
                        + "one entry per input)", ci.getName());
            }
            if (ci.getControlCount() != 1) {
                throw ConfigException.of(m, "sequence_batching.control_input '%s': %d controls (expected: exactly "
                        + "one control per input)", ci.getName(), ci.getControlCount());
            }
            Control c = ci.getControl(0);
            if (c.getKind() == Control.Kind.UNRECOGNIZED) {
                throw ConfigException.of(m, "sequence_batching.control_input '%s': kind %d (expected: "
                        + "CONTROL_SEQUENCE_START, _READY, _END or _CORRID)", ci.getName(), c.getKindValue());
            }
            if (!kinds.add(c.getKind())) {
                throw ConfigException.of(m, "sequence_batching.control_input '%s': %s is already given by another "
                        + "input (expected: each control kind at most once)", ci.getName(), c.getKind());
            }
            if (c.getKind() == Control.Kind.CONTROL_SEQUENCE_CORRID) {
                if (!corridTypes().contains(c.getDataType())) {
                    throw ConfigException.of(m, "unexpected data type for control CONTROL_SEQUENCE_CORRID for %s. "
                            + "Allowed data types are TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 and "
                            + "TYPE_STRING", m);
                }
                continue;
            }
            int given = (c.getInt32FalseTrueCount() > 0 ? 1 : 0) + (c.getFp32FalseTrueCount() > 0 ? 1 : 0)
                    + (c.getBoolFalseTrueCount() > 0 ? 1 : 0);
            if (given != 1) {
                throw ConfigException.of(m, "sequence batching must specify either 'int32_false_true', "
                        + "'fp32_false_true' or 'bool_false_true' for %s for %s", c.getKind(), m);
            }
            int entries = c.getInt32FalseTrueCount() + c.getFp32FalseTrueCount() + c.getBoolFalseTrueCount();
            if (entries != 2) {
                throw ConfigException.of(m, "sequence batching control must have exactly 2 entries for %s for %s "
                        + "(control input '%s' gives %d)", c.getKind(), m, ci.getName(), entries);
            }
        }
    }

    private static Set<io.tensorline.proto.DataType> corridTypes() {
        return Set.of(io.tensorline.proto.DataType.TYPE_UINT64, io.tensorline.proto.DataType.TYPE_INT64,
                io.tensorline.proto.DataType.TYPE_UINT32, io.tensorline.proto.DataType.TYPE_INT32,
                io.tensorline.proto.DataType.TYPE_STRING);
    }

    private static void validateStates(String m, ModelSequenceBatching sb) throws ConfigException {
        Set<String> names = new HashSet<>();
        for (ModelSequenceBatching.State s : sb.getStateList()) {
            String label = "sequence_batching.state '" + s.getInputName() + "'";
            if (s.getInputName().isEmpty() || s.getOutputName().isEmpty()) {
                throw ConfigException.of(m, "sequence_batching.state: input_name '%s', output_name '%s' (expected: "
                        + "both set)", s.getInputName(), s.getOutputName());
            }
            if (!names.add(s.getInputName())) {
                throw ConfigException.of(m, "%s: listed more than once (expected: one state per input)", label);
            }
            if (DataType.fromConfigNumber(s.getDataTypeValue()) == null) {
                throw ConfigException.of(m, "%s: data_type %s (expected: a TYPE_* other than TYPE_INVALID)", label,
                        s.getDataType());
            }
            if (s.getDimsCount() == 0) {
                throw ConfigException.of(m, "%s: dims: [] (expected: at least one dimension)", label);
            }
            for (long d : s.getDimsList()) {
                if (d == 0 || d < -1) {
                    throw ConfigException.of(m, "%s: dims %s (expected: each > 0 or -1)", label, s.getDimsList());
                }
            }
            if (s.getInitialStateCount() > 1) {
                throw ConfigException.of(m, "%s: %d initial_state entries (expected: at most 1)", label,
                        s.getInitialStateCount());
            }
            if (s.getInitialStateCount() == 1) {
                InitialState init = s.getInitialState(0);
                if (init.getDataType() != s.getDataType()) {
                    throw ConfigException.of(m, "%s: initial_state.data_type %s (expected: the state's %s)", label,
                            init.getDataType(), s.getDataType());
                }
                if (init.getStateDataCase() == InitialState.StateDataCase.STATEDATA_NOT_SET) {
                    throw ConfigException.of(m, "%s: initial_state gives no data (expected: zero_data or data_file)",
                            label);
                }
                long[] dims = initDims(init);
                if (dims.length == 0 || negative(dims)) {
                    throw ConfigException.of(m, "%s: initial_state.dims %s (expected: fixed dimensions > 0)", label,
                            init.getDimsList());
                }
            }
        }
    }

    /** Checks that every control and state input exists in the model with the right type. */
    public static void validateAgainstModel(String m, SequenceBatchingSpec spec, List<TensorSpec> modelInputs,
                                            List<TensorSpec> modelOutputs) throws ConfigException {
        for (SequenceBatchingSpec.Control c : spec.controls()) {
            TensorSpec t = IoValidator.find(modelInputs, c.inputName());
            if (t == null) {
                throw ConfigException.of(m, "sequence_batching.control_input '%s': not an input of the model "
                        + "(expected one of %s)", c.inputName(), modelInputs.stream().map(TensorSpec::name).toList());
            }
            if (t.dataType() != c.dataType()) {
                throw ConfigException.of(m, "sequence_batching.control_input '%s': the model's input is %s "
                        + "(expected: %s, as the control gives)", c.inputName(), t.dataType(), c.dataType());
            }
        }
        for (SequenceBatchingSpec.State s : spec.states()) {
            TensorSpec in = IoValidator.find(modelInputs, s.inputName());
            TensorSpec out = IoValidator.find(modelOutputs, s.outputName());
            if (in == null || out == null) {
                throw ConfigException.of(m, "sequence_batching.state '%s' -> '%s': the model has no %s '%s' "
                        + "(expected: a model input and output)", s.inputName(), s.outputName(),
                        in == null ? "input" : "output", in == null ? s.inputName() : s.outputName());
            }
            if (in.dataType() != s.dataType() || out.dataType() != s.dataType()) {
                throw ConfigException.of(m, "sequence_batching.state '%s': model types %s / %s (expected: %s)",
                        s.inputName(), in.dataType(), out.dataType(), s.dataType());
            }
        }
    }

    /** The spec, reading initial state files from {@code <modelDir>/initial_state/}; null without sequence_batching. */
    public static SequenceBatchingSpec from(ModelConfig config, Path modelDir) throws ConfigException {
        if (!config.hasSequenceBatching()) {
            return null;
        }
        String m = config.getName();
        ModelSequenceBatching sb = config.getSequenceBatching();
        List<SequenceBatchingSpec.Control> controls = new ArrayList<>();
        for (ControlInput ci : sb.getControlInputList()) {
            Control c = ci.getControl(0);
            controls.add(control(ci.getName(), c));
        }
        List<SequenceBatchingSpec.State> states = new ArrayList<>();
        for (ModelSequenceBatching.State s : sb.getStateList()) {
            DataType type = DataType.fromConfigNumber(s.getDataTypeValue());
            long[] dims = s.getDimsList().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
            byte[] initial = initialData(m, s, type, dims, modelDir);
            states.add(new SequenceBatchingSpec.State(s.getInputName(), s.getOutputName(), type, dims, initial));
        }
        long idle = sb.getMaxSequenceIdleMicroseconds() == 0 ? SequenceBatchingSpec.DEFAULT_MAX_IDLE_MICROS
                : sb.getMaxSequenceIdleMicroseconds();
        if (sb.hasOldest()) {
            ModelSequenceBatching.StrategyOldest o = sb.getOldest();
            List<Integer> preferred = o.getPreferredBatchSizeCount() == 0
                    ? List.of(Math.max(1, config.getMaxBatchSize())) : o.getPreferredBatchSizeList();
            return new SequenceBatchingSpec(SequenceBatchingSpec.Strategy.OLDEST, idle, controls, states,
                    o.getMaxQueueDelayMicroseconds(), 0f, o.getMaxCandidateSequences(), preferred);
        }
        ModelSequenceBatching.StrategyDirect d = sb.getDirect();
        return new SequenceBatchingSpec(SequenceBatchingSpec.Strategy.DIRECT, idle, controls, states,
                d.getMaxQueueDelayMicroseconds(), d.getMinimumSlotUtilization(), 0, List.of());
    }

    private static SequenceBatchingSpec.Control control(String name, Control c) {
        Kind kind = switch (c.getKind()) {
            case CONTROL_SEQUENCE_START -> Kind.START;
            case CONTROL_SEQUENCE_READY -> Kind.READY;
            case CONTROL_SEQUENCE_END -> Kind.END;
            default -> Kind.CORRID;
        };
        if (kind == Kind.CORRID) {
            return new SequenceBatchingSpec.Control(name, kind, DataType.fromConfigNumber(c.getDataTypeValue()), 0, 0);
        }
        if (c.getInt32FalseTrueCount() == 2) {
            return new SequenceBatchingSpec.Control(name, kind, DataType.INT32, c.getInt32FalseTrue(0),
                    c.getInt32FalseTrue(1));
        }
        if (c.getFp32FalseTrueCount() == 2) {
            return new SequenceBatchingSpec.Control(name, kind, DataType.FP32, c.getFp32FalseTrue(0),
                    c.getFp32FalseTrue(1));
        }
        return new SequenceBatchingSpec.Control(name, kind, DataType.BOOL, c.getBoolFalseTrue(0) ? 1 : 0,
                c.getBoolFalseTrue(1) ? 1 : 0);
    }

    private static byte[] initialData(String m, ModelSequenceBatching.State s, DataType type, long[] dims,
                                      Path modelDir) throws ConfigException {
        if (s.getInitialStateCount() == 0) {
            return new byte[Math.toIntExact(Shapes.elementCount(dims) * fixedSize(type))];
        }
        InitialState init = s.getInitialState(0);
        long[] initDims = initDims(init);
        int bytes = Math.toIntExact(Shapes.elementCount(initDims) * fixedSize(type));
        if (init.getStateDataCase() == InitialState.StateDataCase.ZERO_DATA) {
            return new byte[bytes];
        }
        Path file = modelDir.resolve("initial_state").resolve(init.getDataFile()).normalize();
        if (!file.startsWith(modelDir.resolve("initial_state").normalize())) {
            throw ConfigException.of(m, "sequence_batching.state '%s': initial_state.data_file '%s' (expected: a "
                    + "file inside %s)", s.getInputName(), init.getDataFile(), modelDir.resolve("initial_state"));
        }
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw ConfigException.of(m, "sequence_batching.state '%s': initial_state.data_file %s cannot be read "
                    + "(%s)", s.getInputName(), file, e.getMessage());
        }
        if (data.length != bytes) {
            throw ConfigException.of(m, "sequence_batching.state '%s': initial_state.data_file %s holds %d bytes "
                    + "(expected: %d for %s %s)", s.getInputName(), file, data.length, bytes, type,
                    Shapes.toString(initDims));
        }
        return data;
    }

    private static long fixedSize(DataType type) {
        return type.isFixedSize() ? type.byteSize() : 4; // an empty BYTES element is a 4-byte zero length
    }

    private static long[] initDims(InitialState init) {
        return init.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static boolean negative(long[] dims) {
        for (long d : dims) {
            if (d < 1) {
                return true;
            }
        }
        return false;
    }
}
