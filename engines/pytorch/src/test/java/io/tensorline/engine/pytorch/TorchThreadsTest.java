package io.tensorline.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import io.tensorline.engine.Device;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** libtorch's thread knobs are not per model; each instance still gets its own intra-op count on its thread. */
class TorchThreadsTest {

    private static final Tensor X = TestModels.fp32("INPUT__0", new long[] {1, 2}, 1, 2);

    private final PyTorchEngineProvider provider = new PyTorchEngineProvider();
    private final ExecutorService first = Executors.newSingleThreadExecutor(r -> new Thread(r, "torch-test-first"));
    private final ExecutorService second = Executors.newSingleThreadExecutor(r -> new Thread(r, "torch-test-second"));
    private final List<LoadedModel> loaded = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        first.shutdownNow();
        second.shutdownNow();
        assertTrue(first.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(second.awaitTermination(30, TimeUnit.SECONDS));
        loaded.forEach(LoadedModel::close);
    }

    @Test
    void eachInstanceRunsWithItsOwnIntraOpCountOnItsThread() throws Exception {
        LoadedModel one = load(Map.of("INTRA_OP_THREAD_COUNT", "1"));
        LoadedModel three = load(Map.of("INTRA_OP_THREAD_COUNT", "3"));

        call(first, () -> one.execute(List.of(X)));
        call(second, () -> three.execute(List.of(X)));
        call(first, () -> one.execute(List.of(X)));

        assertEquals(1, call(first, JniUtils::getNumThreads));
        assertEquals(3, call(second, JniUtils::getNumThreads));
    }

    @Test
    void aThreadThatServesTwoModelsSwitchesBetweenTheirCounts() throws Exception {
        LoadedModel one = load(Map.of("INTRA_OP_THREAD_COUNT", "1"));
        LoadedModel three = load(Map.of("INTRA_OP_THREAD_COUNT", "3"));

        call(first, () -> three.execute(List.of(X)));
        assertEquals(3, call(first, JniUtils::getNumThreads));
        call(first, () -> one.execute(List.of(X)));
        assertEquals(1, call(first, JniUtils::getNumThreads));
    }

    @Test
    void theFirstModelThatSizesTheInterOpPoolWins() throws Exception {
        load(Map.of("INTER_OP_THREAD_COUNT", "3"));
        load(Map.of("INTER_OP_THREAD_COUNT", "5"));

        assertEquals(3, JniUtils.getNumInteropThreads());
    }

    private LoadedModel load(Map<String, String> parameters) throws Exception {
        LoadRequest request = TestModels.request("identity_pt_fp32", TestModels.modelFile("identity_pt_fp32"),
                List.of(TestModels.fp32Spec("INPUT__0", -1, -1)), List.of(TestModels.fp32Spec("OUTPUT__0", -1, -1)),
                parameters, Device.CPU);
        LoadedModel model = provider.load(request);
        loaded.add(model);
        return model;
    }

    private static <T> T call(ExecutorService thread, Callable<T> task) throws Exception {
        return thread.submit(task).get(30, TimeUnit.SECONDS);
    }
}
