package io.tensorline.engine.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;

/**
 * How one ONNX Runtime session is set up, read once from a load request. The parameter names are those of Triton's
 * onnxruntime backend.
 *
 * @param intraOpThreads threads one operator may use; 0 lets ONNX Runtime choose
 * @param interOpThreads threads across independent operators; 0 lets ONNX Runtime choose
 * @param device         CPU, or the GPU whose CUDA execution provider the session gets
 * @param allowSpinning  whether idle pool threads spin waiting for work (ONNX Runtime's default) instead of sleeping
 */
record SessionSettings(int intraOpThreads, int interOpThreads, Device device, boolean allowSpinning) {

    static final String INTRA_OP_THREADS = "intra_op_thread_count";
    static final String INTER_OP_THREADS = "inter_op_thread_count";
    /**
     * Off by default: in a server the engine's pool shares the cores with the transport, batcher and instance threads,
     * and spinning pool threads take CPU from them between operators and between requests.
     */
    static final String ALLOW_SPINNING = "allow_spinning";

    /**
     * By default the cores are shared out between the model's instances, so several instances do not oversubscribe
     * them.
     */
    static SessionSettings from(LoadRequest request, int availableProcessors) throws EngineException {
        int intra = request.threadCountParameter(INTRA_OP_THREADS, Math.max(1, availableProcessors / request.instanceCount()));
        int inter = request.threadCountParameter(INTER_OP_THREADS, 1);
        String spinning = request.parameter(ALLOW_SPINNING, "false").trim();
        if (!spinning.equals("true") && !spinning.equals("false")) {
            throw new EngineException("model '" + request.modelName() + "': parameter " + ALLOW_SPINNING + ": '"
                    + spinning + "' (expected: true or false)");
        }
        return new SessionSettings(intra, inter, request.device(), Boolean.parseBoolean(spinning));
    }

    /** New options the caller must close; sessions copy them, so they can be closed once the session exists. */
    SessionOptions toOptions(String modelLabel) throws EngineException {
        SessionOptions options = new SessionOptions();
        try {
            options.setOptimizationLevel(OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(interOpThreads);
            String spin = allowSpinning ? "1" : "0";
            options.addConfigEntry("session.intra_op.allow_spinning", spin);
            options.addConfigEntry("session.inter_op.allow_spinning", spin);
            if (device.isGpu()) {
                addCuda(options, modelLabel);
            }
            return options;
        } catch (OrtException e) {
            options.close();
            throw new EngineException(modelLabel + ": invalid ONNX Runtime session options: " + e.getMessage(), e);
        } catch (EngineException e) {
            options.close();
            throw e;
        }
    }

    private void addCuda(SessionOptions options, String modelLabel) throws EngineException {
        try {
            options.addCUDA(device.id());
        } catch (OrtException e) {
            throw new EngineException(modelLabel + ": the CUDA execution provider is not available for GPU id "
                    + device.id() + " (" + e.getMessage() + "); a GPU instance needs ONNX Runtime's GPU natives"
                    + " (com.microsoft.onnxruntime:onnxruntime_gpu) and a visible CUDA device", e);
        }
    }

}
