package io.tensorline.server.config;

import io.tensorline.engine.DataType;

import java.util.List;
import java.util.Objects;

/**
 * {@code sequence_batching} after validation: immutable and free of protobuf types.
 *
 * @param maxIdleMicros idle time after which a sequence loses its slot (Triton's default 1 s when unset)
 * @param controls      the control inputs the batcher fills, one signal each
 * @param states        implicit states carried from one request of a sequence to the next
 */
public record SequenceBatchingSpec(Strategy strategy, long maxIdleMicros, List<Control> controls, List<State> states,
                                   long maxQueueDelayMicros, float minimumSlotUtilization, int maxCandidateSequences,
                                   List<Integer> preferredBatchSizes) {

    /** Triton's value for an unset or zero {@code max_sequence_idle_microseconds}. */
    public static final long DEFAULT_MAX_IDLE_MICROS = 1_000_000;

    public enum Strategy { DIRECT, OLDEST }

    public enum Kind { START, READY, END, CORRID }

    public SequenceBatchingSpec {
        Objects.requireNonNull(strategy, "strategy");
        controls = List.copyOf(controls);
        states = List.copyOf(states);
        preferredBatchSizes = List.copyOf(preferredBatchSizes);
    }

    /**
     * One control input.
     *
     * @param dataType INT32, FP32 or BOOL for START/READY/END; the id's type for CORRID
     * @param falseValue the value sent for false (START/READY/END only)
     * @param trueValue  the value sent for true
     */
    public record Control(String inputName, Kind kind, DataType dataType, double falseValue, double trueValue) {
    }

    /**
     * One implicit state.
     *
     * @param dims        the state's shape without the batch dimension; -1 dims count as 1 for a zero state
     * @param initialData the raw initial value (zeros when the config asks for zero data or gives no initial state)
     */
    public record State(String inputName, String outputName, DataType dataType, long[] dims, byte[] initialData) {
        public State {
            dims = dims.clone();
            initialData = initialData.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        @Override
        public byte[] initialData() {
            return initialData.clone();
        }
    }

    public Control control(Kind kind) {
        for (Control c : controls) {
            if (c.kind() == kind) {
                return c;
            }
        }
        return null;
    }

    /** Whether {@code name} is a model input the batcher fills (a control or a state input). */
    public boolean fillsInput(String name) {
        return controls.stream().anyMatch(c -> c.inputName().equals(name))
                || states.stream().anyMatch(s -> s.inputName().equals(name));
    }

    public boolean isStateOutput(String name) {
        return states.stream().anyMatch(s -> s.outputName().equals(name));
    }
}
