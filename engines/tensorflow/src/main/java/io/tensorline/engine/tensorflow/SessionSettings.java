package io.tensorline.engine.tensorflow;

import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import java.util.Locale;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * How one TensorFlow session is set up, read once from a load request. The parameter names are those of Triton's
 * tensorflow backend.
 *
 * <p>TensorFlow's intra-op pool (the CPU device's Eigen pool) is process-wide: the first session created in the
 * process sizes it and later sessions share it, whatever they ask for, unless the environment sets
 * {@code TF_OVERRIDE_GLOBAL_THREADPOOL}, which gives every session a pool of its own. So by default a shared pool
 * gets every core, and per-session pools share the cores out between the model's instances. The inter-op pool is
 * per session by default here (Triton's default shares one, so concurrent instances would queue on it).
 *
 * @param intraOpThreads    threads one operator may use; 0 lets TensorFlow choose
 * @param interOpThreads    threads that run independent operators; 0 lets TensorFlow choose
 * @param perSessionThreads whether the session gets its own inter-op pool
 * @param graphTag          the tag of the SavedModel's meta graph to load
 * @param signatureKey      the signature whose inputs and outputs the model serves
 * @param device            CPU, or the GPU made visible to the session
 */
record SessionSettings(int intraOpThreads, int interOpThreads, boolean perSessionThreads, String graphTag,
                       String signatureKey, Device device) {

    static final String INTRA_OP_THREADS = "TF_NUM_INTRA_THREADS";
    static final String INTER_OP_THREADS = "TF_NUM_INTER_THREADS";
    static final String PER_SESSION_THREADS = "TF_USE_PER_SESSION_THREADS";
    static final String GRAPH_TAG = "TF_GRAPH_TAG";
    static final String SIGNATURE_DEF = "TF_SIGNATURE_DEF";
    static final String DEFAULT_GRAPH_TAG = "serve";
    static final String DEFAULT_SIGNATURE = "serving_default";
    /** The environment variable that makes TensorFlow give every session its own intra-op pool. */
    static final String OVERRIDE_GLOBAL_THREADPOOL = "TF_OVERRIDE_GLOBAL_THREADPOOL";

    /**
     * @param perSessionIntraPools whether TensorFlow gives each session its own intra-op pool (see the class
     *                             comment); the provider reads it from the environment once
     */
    static SessionSettings from(LoadRequest request, int availableProcessors, boolean perSessionIntraPools)
            throws EngineException {
        int intraDefault = perSessionIntraPools
                ? Math.max(1, availableProcessors / request.instanceCount()) : Math.max(1, availableProcessors);
        int intra = request.threadCountParameter(INTRA_OP_THREADS, intraDefault);
        int inter = request.threadCountParameter(INTER_OP_THREADS, 1);
        boolean perSession = flag(request, PER_SESSION_THREADS, true);
        String tag = name(request, GRAPH_TAG, DEFAULT_GRAPH_TAG);
        String signature = name(request, SIGNATURE_DEF, DEFAULT_SIGNATURE);
        return new SessionSettings(intra, inter, perSession, tag, signature, request.device());
    }

    /** The session configuration; a GPU instance sees only its own GPU. */
    ConfigProto toConfigProto() {
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(interOpThreads)
                .setUsePerSessionThreads(perSessionThreads)
                .setAllowSoftPlacement(true);
        if (device.isGpu()) {
            config.setGpuOptions(gpuOptions(device));
        } else {
            config.putDeviceCount("GPU", 0);
        }
        return config.build();
    }

    static GPUOptions gpuOptions(Device device) {
        return GPUOptions.newBuilder().setVisibleDeviceList(Integer.toString(device.id())).build();
    }

    /** Reads the environment flag the way TensorFlow does: any value but empty, "0" and "false" turns it on. */
    static boolean perSessionIntraPools(String environmentValue) {
        if (environmentValue == null) {
            return false;
        }
        String v = environmentValue.trim().toLowerCase(Locale.ROOT);
        return !v.isEmpty() && !v.equals("0") && !v.equals("false");
    }


    /** Triton accepts "true", "on", "1" (and "yes" in its examples) for true. */
    private static boolean flag(LoadRequest request, String key, boolean fallback) throws EngineException {
        String value = request.parameters().get(key);
        if (value == null) {
            return fallback;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "on", "1", "yes":
                return true;
            case "false", "off", "0", "no":
                return false;
            default:
                throw invalid(request, key, value, "true, on, 1, yes, false, off, 0 or no");
        }
    }

    private static String name(LoadRequest request, String key, String fallback) throws EngineException {
        String value = request.parameters().get(key);
        if (value == null) {
            return fallback;
        }
        if (value.isBlank()) {
            throw invalid(request, key, value, "a non-empty name");
        }
        return value.trim();
    }

    private static EngineException invalid(LoadRequest request, String key, String value, String expected) {
        return new EngineException("model '" + request.modelName() + "': parameter " + key + ": '" + value
                + "' (expected: " + expected + ")");
    }
}
