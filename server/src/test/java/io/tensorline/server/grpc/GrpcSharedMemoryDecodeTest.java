package io.tensorline.server.grpc;

import io.tensorline.engine.Tensor;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.server.shm.SharedMemoryRegistry;
import io.tensorline.server.shm.SharedMemoryUse;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An input in shared memory reaches the core as a view of the mapped region: direct, not copied. */
class GrpcSharedMemoryDecodeTest {

    @Test
    void anInputInSharedMemoryIsADirectViewOfTheRegion() throws Exception {
        String name = "tensorline-test-" + UUID.randomUUID();
        Path file = Path.of("/dev/shm", name);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw");
             SharedMemoryRegistry regions = SharedMemoryRegistry.enabled()) {
            f.setLength(64);
            f.seek(16);
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).array());
            regions.register("r", "/" + name, 0, 64);
            ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("m");
            b.addInputsBuilder().setName("IN").setDatatype("FP32").addShape(4)
                    .putParameters("shared_memory_region", InferParameter.newBuilder().setStringParam("r").build())
                    .putParameters("shared_memory_offset", InferParameter.newBuilder().setInt64Param(16).build())
                    .putParameters("shared_memory_byte_size", InferParameter.newBuilder().setInt64Param(16).build());
            SharedMemoryUse use = regions.newUse();
            GrpcTensorParameters.check(b.build(), use);
            Tensor in = GrpcInferCodec.decode(b.build(), 0, use).inputs().get(0);
            assertTrue(in.data().isDirect(), "a view of the mapping, not a heap copy");
            assertEquals(2.5f, in.data().getFloat(0));
            f.seek(20); // the client writes after decoding: the same memory
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7f).array());
            assertEquals(7f, in.data().getFloat(4));
            use.release();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
