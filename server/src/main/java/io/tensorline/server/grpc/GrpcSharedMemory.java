package io.tensorline.server.grpc;

import io.tensorline.proto.SystemSharedMemoryStatusResponse;
import io.tensorline.server.shm.SharedMemoryRegistry;

/** The system shared memory status message, built from the registry's regions. */
final class GrpcSharedMemory {

    private GrpcSharedMemory() {
    }

    static SystemSharedMemoryStatusResponse status(SharedMemoryRegistry shm, String name) {
        SystemSharedMemoryStatusResponse.Builder b = SystemSharedMemoryStatusResponse.newBuilder();
        for (SharedMemoryRegistry.RegionStatus r : shm.status(name)) {
            b.putRegions(r.name(), SystemSharedMemoryStatusResponse.RegionStatus.newBuilder().setName(r.name())
                    .setKey(r.key()).setOffset(r.offset()).setByteSize(r.byteSize()).build());
        }
        return b.build();
    }
}
