package io.tensorline.engine;

/** Where an instance runs: the host CPU, or one GPU by its index. */
public record Device(Kind kind, int id) {

    public enum Kind { CPU, GPU }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("kind: null (expected: CPU or GPU)");
        }
        if (id < 0) {
            throw new IllegalArgumentException("id: " + id + " (expected: >= 0)");
        }
    }

    public static Device gpu(int id) {
        return new Device(Kind.GPU, id);
    }

    public boolean isGpu() {
        return kind == Kind.GPU;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "gpu(" + id + ")";
    }
}
