package io.tensorline.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.TensorSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How declared names map to forward()'s arguments and results; needs no natives. */
class TorchSignatureTest {

    @Test
    void indexSuffixesGiveArgumentPositions() throws Exception {
        TorchSignature s = TorchSignature.from(request(specs("X__1", "Y__2", "Z__0"), specs("OUT__0")));

        assertEquals(1, s.argumentOf(0));
        assertEquals(2, s.argumentOf(1));
        assertEquals(0, s.argumentOf(2));
        assertEquals(2, s.inputIndex("Z__0"));
        assertEquals(-1, s.inputIndex("W__3"));
    }

    @Test
    void withoutSuffixesOnEveryNameTheConfigOrderCounts() throws Exception {
        TorchSignature s = TorchSignature.from(request(specs("INPUT__1", "image"), specs("b", "a")));

        assertEquals(0, s.argumentOf(0));
        assertEquals(1, s.argumentOf(1));
        assertEquals(0, s.resultOf(0));
        assertEquals(1, s.resultOf(1));
        assertFalse(s.outputsIndexed());
    }

    @Test
    void outputSuffixesMayPickAnyDistinctResults() throws Exception {
        TorchSignature s = TorchSignature.from(request(specs("INPUT__0"), specs("OUTPUT__3", "OUTPUT__1")));

        assertTrue(s.outputsIndexed());
        assertEquals(3, s.resultOf(0));
        assertEquals(1, s.resultOf(1));
    }

    @Test
    void inputSuffixesMustNumberEveryArgument() {
        LoadRequest request = request(specs("INPUT__0", "INPUT__2"), specs("OUTPUT__0"));

        EngineException e = assertThrows(EngineException.class, () -> TorchSignature.from(request));

        assertEquals("model 'm': inputs [INPUT__0, INPUT__2]: the __<index> suffixes must number forward()'s"
                + " arguments 0 to 1, each once", e.getMessage());
    }

    @Test
    void inputSuffixesMustNotRepeat() {
        LoadRequest request = request(specs("A__0", "B__0"), specs("OUTPUT__0"));

        EngineException e = assertThrows(EngineException.class, () -> TorchSignature.from(request));

        assertTrue(e.getMessage().startsWith("model 'm': inputs [A__0, B__0]: "), e.getMessage());
    }

    @Test
    void outputSuffixesMustNotRepeat() {
        LoadRequest request = request(specs("INPUT__0"), specs("A__1", "B__1"));

        EngineException e = assertThrows(EngineException.class, () -> TorchSignature.from(request));

        assertEquals("model 'm': outputs [A__1, B__1]: the __<index> suffixes must pick distinct elements of"
                + " forward()'s result", e.getMessage());
    }

    private static List<TensorSpec> specs(String... names) {
        return Arrays.stream(names).map(n -> TestModels.fp32Spec(n, -1, 2)).toList();
    }

    private static LoadRequest request(List<TensorSpec> inputs, List<TensorSpec> outputs) {
        return new LoadRequest("m", 1, Path.of("model.pt"), Device.CPU, Map.of(), inputs, outputs, 4, 1);
    }
}
