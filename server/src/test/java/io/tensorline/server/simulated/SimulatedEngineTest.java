package io.tensorline.server.simulated;

import com.google.protobuf.TextFormat;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatedEngineTest {

    private static final List<TensorSpec> INPUTS = List.of(
            new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 4}),
            new TensorSpec("INPUT1", DataType.INT32, new long[] {-1, 2}));
    private static final List<TensorSpec> OUTPUTS = List.of(
            new TensorSpec("OUTPUT1", DataType.INT32, new long[] {-1, 2}),
            new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 4}));

    private static Tensor tensor(String name, DataType type, int rows, int cols) {
        ByteBuffer data = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            data.putInt(i * 7 + 1);
        }
        return Tensor.of(name, type, new long[] {rows, cols}, data.flip());
    }

    private static LoadRequest request(Path marker, Map<String, String> parameters, List<TensorSpec> inputs,
                                       List<TensorSpec> outputs) {
        return new LoadRequest("sim", 1, marker, Device.CPU, parameters, inputs, outputs, 8, 1);
    }

    @Test
    void isFoundByTheServiceLoader() {
        List<String> backends = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class).forEach(p -> backends.add(p.backend()));
        assertTrue(backends.contains("simulated"), backends.toString());
    }

    @Test
    void eachOutputIsACopyOfItsInput(@TempDir Path dir) throws Exception {
        Path marker = Files.createFile(dir.resolve("model.simulated"));
        try (LoadedModel model = new SimulatedEngineProvider().load(request(marker, Map.of(), INPUTS, OUTPUTS))) {
            Tensor in0 = tensor("INPUT0", DataType.FP32, 3, 4);
            Tensor in1 = tensor("INPUT1", DataType.INT32, 3, 2);
            List<Tensor> out = model.execute(List.of(in0, in1));
            assertEquals(List.of("OUTPUT1", "OUTPUT0"), out.stream().map(Tensor::name).toList());
            assertEquals(in1.data(), out.get(0).data());
            assertEquals(in0.data(), out.get(1).data());
            assertEquals(DataType.FP32, out.get(1).dataType());
            assertNotSame(in0.data().array(), out.get(1).data().array(), "outputs never alias inputs");
            assertEquals(OUTPUTS, model.outputs());
        }
    }

    @Test
    void anExecutionLastsTheFixedDelayPlusTheDelayPerRow() throws Exception {
        long[] now = {5_000};
        List<Long> waits = new ArrayList<>();
        SimulatedModel model = new SimulatedModel(INPUTS.subList(0, 1), OUTPUTS.subList(1, 2), List.of("INPUT0"),
                true, 2_000_000, 20_000, () -> now[0], deadline -> waits.add(deadline - 5_000));
        model.execute(List.of(tensor("INPUT0", DataType.FP32, 1, 4)));
        model.execute(List.of(tensor("INPUT0", DataType.FP32, 64, 4)));
        assertEquals(List.of(2_020_000L, 2_000_000L + 64 * 20_000L), waits);
    }

    @Test
    void delaysComeFromTheConfigParametersInMicroseconds(@TempDir Path dir) throws Exception {
        Path marker = Files.createFile(dir.resolve("model.simulated"));
        List<Long> deadlines = new ArrayList<>();
        LoadedModel model = new SimulatedEngineProvider().load(request(marker,
                Map.of("execute_delay_us", "300", "execute_delay_per_row_us", "7"), INPUTS, OUTPUTS),
                () -> 1_000, deadlines::add);
        model.execute(List.of(tensor("INPUT0", DataType.FP32, 2, 4), tensor("INPUT1", DataType.INT32, 2, 2)));
        assertEquals(List.of(1_000 + 300_000L + 2 * 7_000L), deadlines);
    }

    @Test
    void theRealPauseReturnsNoSoonerThanTheDeadline() {
        ParkThenSpin pause = new ParkThenSpin();
        for (long wait : new long[] {0, 5_000, 200_000, 1_500_000}) {
            long deadline = System.nanoTime() + wait;
            pause.until(deadline);
            assertTrue(System.nanoTime() - deadline >= 0, "returned before a deadline " + wait + " ns away");
        }
    }

    @Test
    void anOutputWithoutAMatchingInputFailsTheLoad(@TempDir Path dir) throws Exception {
        Path marker = Files.createFile(dir.resolve("model.simulated"));
        List<TensorSpec> outputs = List.of(new TensorSpec("OUTPUT2", DataType.FP32, new long[] {-1, 4}));
        EngineException e = assertThrows(EngineException.class,
                () -> new SimulatedEngineProvider().load(request(marker, Map.of(), INPUTS, outputs)));
        assertTrue(e.getMessage().contains("output 'OUTPUT2' has no input to copy"), e.getMessage());
    }

    @Test
    void anOutputOfAnotherTypeThanItsInputFailsTheLoad(@TempDir Path dir) throws Exception {
        Path marker = Files.createFile(dir.resolve("model.simulated"));
        List<TensorSpec> outputs = List.of(new TensorSpec("OUTPUT0", DataType.INT64, new long[] {-1, 4}));
        EngineException e = assertThrows(EngineException.class,
                () -> new SimulatedEngineProvider().load(request(marker, Map.of(), INPUTS, outputs)));
        assertTrue(e.getMessage().contains("(expected: FP32[-1, 4], as input 'INPUT0')"), e.getMessage());
    }

    @Test
    void aDelayThatIsNotANumberFailsTheLoad(@TempDir Path dir) throws Exception {
        Path marker = Files.createFile(dir.resolve("model.simulated"));
        EngineException e = assertThrows(EngineException.class, () -> new SimulatedEngineProvider()
                .load(request(marker, Map.of("execute_delay_us", "2ms"), INPUTS, OUTPUTS)));
        assertEquals("simulated model 'sim': parameter 'execute_delay_us' is '2ms' (expected: a whole number of "
                + "microseconds >= 0)", e.getMessage());
    }

    @Test
    void aMissingMarkerFileFailsTheLoad(@TempDir Path dir) {
        EngineException e = assertThrows(EngineException.class, () -> new SimulatedEngineProvider()
                .load(request(dir.resolve("model.simulated"), Map.of(), INPUTS, OUTPUTS)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void theExampleModelLoads() throws Exception {
        Path repo = Path.of("..", "model-repository", "simulated");
        ModelConfig.Builder config = ModelConfig.newBuilder();
        TextFormat.merge(Files.readString(repo.resolve("config.pbtxt")), config);
        assertEquals("simulated", config.getBackend());
        assertEquals(64, config.getMaxBatchSize());
        assertTrue(config.hasDynamicBatching());
        Map<String, String> parameters = new HashMap<>();
        config.getParametersMap().forEach((k, v) -> parameters.put(k, v.getStringValue()));
        List<TensorSpec> in = List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 16}));
        List<TensorSpec> out = List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 16}));
        SimulatedEngineProvider provider = new SimulatedEngineProvider();
        Path marker = repo.resolve("1").resolve(provider.defaultModelFileName());
        try (LoadedModel model = provider.load(new LoadRequest("simulated", 1, marker, Device.CPU, parameters, in,
                out, config.getMaxBatchSize(), 1))) {
            assertEquals(in, model.inputs());
            assertEquals(Map.of("execute_delay_us", "2000", "execute_delay_per_row_us", "20"), parameters);
        }
    }
}
