package io.tensorline.engine.tensorflow;

import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Makes sure a GPU instance really gets its GPU. A session whose {@code visible_device_list} names a GPU that does
 * not exist (or natives built without CUDA) loads and quietly runs on the CPU, so before the model loads, a one-op
 * graph pinned to the GPU runs with soft placement off: it fails unless TensorFlow can place work there.
 */
final class GpuCheck {

    private GpuCheck() {
    }

    static void requireGpu(Device device, String modelLabel) throws EngineException {
        ConfigProto config = ConfigProto.newBuilder()
                .setAllowSoftPlacement(false)
                .setGpuOptions(SessionSettings.gpuOptions(device))
                .build();
        try (Graph graph = new Graph()) {
            // visible_device_list renumbers the visible GPU as GPU:0 inside the session.
            Ops tf = Ops.create(graph).withDevice(DeviceSpec.newBuilder()
                    .deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(0).build());
            Operand<TFloat32> probe = tf.withName("tensorline_gpu_probe").identity(tf.constant(1f));
            try (Session session = new Session(graph, config); Result result = session.runner().fetch(probe).run()) {
                result.size(); // placed and ran on the GPU
            }
        } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
            throw new EngineException(modelLabel + ": GPU " + device.id() + " is not available to TensorFlow ("
                    + firstLine(e.getMessage()) + "); a GPU instance needs TF Java's GPU natives"
                    + " (org.tensorflow:tensorflow-core-native, classifier linux-x86_64-gpu) and a visible CUDA device",
                    e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no reason given";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }
}
