package io.tensorline.server.repository;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PublicReasonsTest {

    @Test
    void repositoryPathsBecomeRelativeInEveryForm() {
        Path relative = Path.of("../model-repository");
        String absolute = relative.toAbsolutePath().normalize().toString();
        assertEquals("cannot parse m/config.pbtxt at line 1", PublicReasons.scrub(
                "cannot parse ../model-repository/m/config.pbtxt at line 1", relative));
        assertEquals("Load model from m/1/model.onnx failed:Protobuf parsing failed.", PublicReasons.scrub(
                "Load model from " + absolute + "/m/1/model.onnx failed:Protobuf parsing failed.", relative));
    }

    @Test
    void otherAbsolutePathsAreHidden() {
        assertEquals("cannot open <path>: denied ('<path>')", PublicReasons.scrub(
                "cannot open /root/.djl.ai/cache/lib.so: denied ('/etc/x/y')", Path.of("/srv/models")));
    }

    @Test
    void textThatIsNotAPathIsKept() {
        String text = "expected: 1/2 of http://host/a/b, dims [-1/4], or /v2 (max_batch_size 8)";
        assertEquals(text, PublicReasons.scrub(text, Path.of("/srv/models")));
    }
}
