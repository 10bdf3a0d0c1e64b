package io.tensorline.engine.tensorflow.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.MutableHashTable;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Exports the TensorFlow sequence models of {@code server/src/test/resources/sequence-repository}, with their
 * config.pbtxt (sequence_batching cannot be completed from a signature):
 * <ul>
 *   <li>{@code accumulator_tf}: {@code OUTPUT = STATE_OUT = INPUT + STATE_IN}, INT32 [-1,1]; a running sum when the
 *       server feeds the state back (implicit state);</li>
 *   <li>{@code accumulator_tf_corrid}: no implicit state; the graph keeps a running sum per correlation id in a
 *       {@code MutableHashTableV2} of its session (START resets it), fed by the START and CORRID control inputs.</li>
 * </ul>
 *
 * <p>Usage: {@code ExportSequenceSavedModels <repository directory>}
 */
public final class ExportSequenceSavedModels {

    private static final String TOOL = ExportSequenceSavedModels.class.getSimpleName();

    private ExportSequenceSavedModels() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ExportSequenceSavedModels <repository directory>");
        }
        Path repository = Path.of(args[0]);
        Files.createDirectories(repository);
        stateAccumulator(repository.resolve("accumulator_tf"));
        corridAccumulator(repository.resolve("accumulator_tf_corrid"));
        System.out.println("wrote accumulator_tf and accumulator_tf_corrid under " + repository);
    }

    private static void stateAccumulator(Path modelDir) throws IOException {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TInt32> x = tf.withName("INPUT").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, 1)));
            Placeholder<TInt32> state = tf.withName("STATE_IN").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1, 1)));
            Output<TInt32> total = tf.withName("OUTPUT").math.add(x, state).asOutput();
            Output<TInt32> next = tf.withName("STATE_OUT").identity(total).asOutput();
            SavedModels.export(graph, modelDir, List.of(Signature.builder().key(Signature.DEFAULT_KEY)
                    .input("INPUT", x).input("STATE_IN", state).output("OUTPUT", total).output("STATE_OUT", next)
                    .build()));
        }
        writeConfig(modelDir, """
                  state [ {
                    input_name: "STATE_IN"
                    output_name: "STATE_OUT"
                    data_type: TYPE_INT32
                    dims: [ 1 ]
                    initial_state { data_type: TYPE_INT32 dims: [ 1 ] zero_data: true name: "initial" }
                  } ]
                """);
    }

    /** {@code total = (START ? 0 : sums[CORRID]) + INPUT}; {@code sums[CORRID] = total} before OUTPUT is read. */
    private static void corridAccumulator(Path modelDir) throws IOException {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TInt32> x = tf.withName("INPUT").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, 1)));
            Placeholder<TInt32> start = tf.withName("START").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1, 1)));
            Placeholder<TInt64> corrid = tf.withName("CORRID").placeholder(TInt64.class,
                    Placeholder.shape(Shape.of(-1, 1)));
            MutableHashTable table = tf.withName("sums").mutableHashTable(TInt64.class, TInt32.class,
                    MutableHashTable.sharedName("sums"));
            Operand<TInt32> flat = tf.constant(new int[] {-1});
            Operand<TInt64> keys = tf.reshape(corrid, flat);
            Operand<TInt32> previous = tf.lookupTableFind(table, keys, tf.constant(0)).values();
            Operand<TInt32> kept = tf.math.mul(previous, tf.math.sub(tf.constant(1), tf.reshape(start, flat)));
            Operand<TInt32> total = tf.math.add(kept, tf.reshape(x, flat));
            var insert = tf.lookupTableInsert(table, keys, total);
            Output<TInt32> out = tf.withControlDependencies(List.of(insert)).withName("OUTPUT")
                    .reshape(total, tf.constant(new int[] {-1, 1})).asOutput();
            SavedModels.export(graph, modelDir, List.of(Signature.builder().key(Signature.DEFAULT_KEY)
                    .input("INPUT", x).input("START", start).input("CORRID", corrid).output("OUTPUT", out).build()));
        }
        writeConfig(modelDir, """
                  control_input [
                    { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
                    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64 } ] }
                  ]
                """);
    }

    /** INPUT to OUTPUT, INT32 [1], one instance, the direct strategy, then {@code sequenceBody}. */
    private static void writeConfig(Path modelDir, String sequenceBody) throws IOException {
        SavedModels.writeConfig(modelDir, TOOL, "name: \"" + modelDir.getFileName() + "\"\n" + """
                platform: "tensorflow_savedmodel"
                max_batch_size: 4
                input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
                output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
                instance_group [ { count: 1 kind: KIND_CPU } ]
                sequence_batching {
                  max_sequence_idle_microseconds: 5000000
                  direct { }
                """ + sequenceBody + "}\n");
    }
}
