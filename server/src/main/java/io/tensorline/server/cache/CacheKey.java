package io.tensorline.server.cache;

import io.tensorline.engine.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What makes two requests the same for the response cache: model, version, and every input sorted by name with
 * its name, datatype, shape and bytes. Triton hashes name and bytes only; datatype and shape are added here so that
 * the same bytes read as another type or shape never hit. The key keeps the inputs' bytes themselves (not a hash),
 * so two different requests can never share an entry; their size counts against the cache's budget.
 */
public final class CacheKey {

    private final String model;
    private final long version;
    private final byte[] inputs;
    private final int hash;

    private CacheKey(String model, long version, byte[] inputs) {
        this.model = model;
        this.version = version;
        this.inputs = inputs;
        this.hash = 31 * (31 * model.hashCode() + Long.hashCode(version)) + Arrays.hashCode(inputs);
    }

    public static CacheKey of(String model, long version, List<Tensor> inputs) {
        List<Tensor> sorted = new ArrayList<>(inputs);
        sorted.sort(Comparator.comparing(Tensor::name));
        int size = 0;
        List<byte[]> names = new ArrayList<>(sorted.size());
        for (Tensor t : sorted) {
            byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 4 + name.length + 4 + 4 + 8 * t.shape().length + 4 + t.byteSize();
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < sorted.size(); i++) {
            Tensor t = sorted.get(i);
            b.putInt(names.get(i).length).put(names.get(i));
            b.putInt(t.dataType().ordinal());
            b.putInt(t.shape().length);
            for (long d : t.shape()) {
                b.putLong(d);
            }
            b.putInt(t.byteSize()).put(t.data());
        }
        return new CacheKey(model, version, b.array());
    }

    String model() {
        return model;
    }

    long version() {
        return version;
    }

    int byteSize() {
        return inputs.length + model.length() + 16;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey k && hash == k.hash && version == k.version && model.equals(k.model)
                && Arrays.equals(inputs, k.inputs);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
