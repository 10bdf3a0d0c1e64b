package io.tensorline.engine.tensorflow.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Exports the example mlp ({@code Linear(4,16) -> ReLU -> Linear(16,3)}, the weights of {@code model-repository/mlp})
 * as {@code model-repository/mlp_savedmodel}: signature {@code serving_default}, input {@code INPUT0} FP32
 * [-1,4], output {@code OUTPUT0} FP32 [-1,3]. The weights come from {@code scripts/make_models.py
 * --mlp-weights-json}; the export is checked against the torch result the JSON carries before the tool returns.
 *
 * <p>Usage: {@code ExportMlpSavedModel <weights.json> <model directory>}
 */
public final class ExportMlpSavedModel {

    private static final float TOLERANCE = 1e-5f;

    private ExportMlpSavedModel() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ExportMlpSavedModel <weights.json> <model directory>");
        }
        JsonNode doc = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        Path modelDir = Path.of(args[1]);
        Path saved;
        try (Graph graph = new Graph()) {
            saved = SavedModels.export(graph, modelDir, List.of(build(graph, doc.get("layers"))));
        }
        SavedModels.writeConfig(modelDir, ExportMlpSavedModel.class.getSimpleName(),
                "name: \"" + modelDir.getFileName() + "\"\n"
                + "platform: \"tensorflow_savedmodel\"\n"
                + "max_batch_size: 8\n"
                + "# input and output are completed by the server from the signature: INPUT0 FP32 [4], OUTPUT0 FP32"
                + " [3]\n");
        check(saved, doc.get("check"));
        System.out.println("wrote " + saved + " (checked against torch within " + TOLERANCE + ")");
    }

    /** {@code y = relu(x W1^T + b1) W2^T + b2}, with torch's [out, in] weights transposed into constants. */
    private static Signature build(Graph graph, JsonNode layers) {
        Ops tf = Ops.create(graph);
        Placeholder<TFloat32> x = tf.withName("INPUT0").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, 4)));
        Operand<TFloat32> h = x;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            Operand<TFloat32> w = tf.withName("w" + i).constant(transpose(matrix(layer.get("weight"))));
            Operand<TFloat32> b = tf.withName("b" + i).constant(vector(layer.get("bias")));
            boolean last = i == layers.size() - 1;
            Operand<TFloat32> affine = tf.withName(last ? "OUTPUT0" : "affine" + i)
                    .math.add(tf.withName("matmul" + i).linalg.matMul(h, w), b);
            h = last ? affine : tf.withName("relu" + i).nn.relu(affine);
        }
        return Signature.builder().key(Signature.DEFAULT_KEY).input("INPUT0", x).output("OUTPUT0", h).build();
    }

    private static void check(Path saved, JsonNode check) {
        float[][] input = matrix(check.get("input"));
        float[][] want = matrix(check.get("output"));
        float[] flat = new float[input.length * 4];
        for (int r = 0; r < input.length; r++) {
            System.arraycopy(input[r], 0, flat, r * 4, 4);
        }
        try (SavedModelBundle bundle = SavedModelBundle.load(saved.toString(), SavedModelBundle.DEFAULT_TAG);
             TFloat32 x = TFloat32.tensorOf(Shape.of(input.length, 4), DataBuffers.of(flat));
             Result result = bundle.session().runner().feed("INPUT0:0", x).fetch("OUTPUT0:0").run()) {
            TFloat32 y = (TFloat32) result.get(0);
            for (int r = 0; r < want.length; r++) {
                for (int c = 0; c < want[r].length; c++) {
                    float got = y.getFloat(r, c);
                    if (Math.abs(got - want[r][c]) > TOLERANCE) {
                        throw new IllegalStateException("exported mlp gives " + got + " at [" + r + "," + c
                                + "] (expected: " + want[r][c] + ", the torch result)");
                    }
                }
            }
        }
    }

    private static float[][] transpose(float[][] m) {
        float[][] t = new float[m[0].length][m.length];
        for (int r = 0; r < m.length; r++) {
            for (int c = 0; c < m[r].length; c++) {
                t[c][r] = m[r][c];
            }
        }
        return t;
    }

    private static float[][] matrix(JsonNode rows) {
        float[][] m = new float[rows.size()][];
        for (int r = 0; r < m.length; r++) {
            m[r] = vector(rows.get(r));
        }
        return m;
    }

    /** JSON holds each float32 widened to double, so narrowing gives the exact weight back. */
    private static float[] vector(JsonNode values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.get(i).doubleValue();
        }
        return v;
    }
}
