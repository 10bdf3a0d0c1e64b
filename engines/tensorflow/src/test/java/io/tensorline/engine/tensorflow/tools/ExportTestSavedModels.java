package io.tensorline.engine.tensorflow.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * Exports the SavedModels the TensorFlow engine's tests load, into {@code
 * server/src/test/resources/tensorflow-repository} (no config.pbtxt: the server completes them from the signature):
 * <ul>
 *   <li>{@code identity_<type>}: {@code OUTPUT0 = INPUT0}, shape [-1,-1], for every type TF Java carries;</li>
 *   <li>{@code identity_int8}: the same with a type TF Java cannot carry, for the load error;</li>
 *   <li>{@code identity_unknown_rank}: FP32 placeholder without a shape;</li>
 *   <li>{@code add_sub}: INPUT0, INPUT1 FP32 [-1,4] -> OUTPUT0 = sum, OUTPUT1 = difference, plus a second
 *       signature {@code sum} whose only output is OUTPUT0.</li>
 * </ul>
 *
 * <p>Usage: {@code ExportTestSavedModels <repository directory>}
 */
public final class ExportTestSavedModels {

    /** Model name suffix and TensorFlow type of each identity model. */
    static final Map<String, DataType> IDENTITY_TYPES = Map.ofEntries(
            Map.entry("bool", DataType.DT_BOOL),
            Map.entry("uint8", DataType.DT_UINT8),
            Map.entry("uint16", DataType.DT_UINT16),
            Map.entry("int32", DataType.DT_INT32),
            Map.entry("int64", DataType.DT_INT64),
            Map.entry("fp16", DataType.DT_HALF),
            Map.entry("bf16", DataType.DT_BFLOAT16),
            Map.entry("fp32", DataType.DT_FLOAT),
            Map.entry("fp64", DataType.DT_DOUBLE),
            Map.entry("string", DataType.DT_STRING),
            Map.entry("int8", DataType.DT_INT8));

    private ExportTestSavedModels() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ExportTestSavedModels <repository directory>");
        }
        Path repository = Path.of(args[0]);
        Files.createDirectories(repository);
        for (Map.Entry<String, DataType> e : IDENTITY_TYPES.entrySet()) {
            identity(repository.resolve("identity_" + e.getKey()), e.getValue(), Shape.of(-1, -1));
        }
        identity(repository.resolve("identity_unknown_rank"), DataType.DT_FLOAT, Shape.unknown());
        addSub(repository.resolve("add_sub"));
        System.out.println("wrote " + (IDENTITY_TYPES.size() + 2) + " SavedModels under " + repository);
    }

    /** Built from raw operations so that types without a TF Java class (int8) can be exported too. */
    private static void identity(Path modelDir, DataType type, Shape shape) throws IOException {
        try (Graph graph = new Graph()) {
            Output<?> input = graph.opBuilder("Placeholder", "INPUT0", graph.baseScope())
                    .setAttr("dtype", type).setAttr("shape", shape).build().output(0);
            Output<?> output = graph.opBuilder("Identity", "OUTPUT0", graph.baseScope())
                    .addInput(input).setAttr("T", type).build().output(0);
            SavedModels.export(graph, modelDir, List.of(Signature.builder().key(Signature.DEFAULT_KEY)
                    .input("INPUT0", input).output("OUTPUT0", output).build()));
        }
    }

    private static void addSub(Path modelDir) throws IOException {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> a = tf.withName("INPUT0").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, 4)));
            Placeholder<TFloat32> b = tf.withName("INPUT1").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, 4)));
            Output<TFloat32> sum = tf.withName("OUTPUT0").math.add(a, b).asOutput();
            Output<TFloat32> difference = tf.withName("OUTPUT1").math.sub(a, b).asOutput();
            SavedModels.export(graph, modelDir, List.of(
                    Signature.builder().key(Signature.DEFAULT_KEY).input("INPUT0", a).input("INPUT1", b)
                            .output("OUTPUT0", sum).output("OUTPUT1", difference).build(),
                    Signature.builder().key("sum").input("INPUT0", a).input("INPUT1", b)
                            .output("OUTPUT0", sum).build()));
        }
    }
}
