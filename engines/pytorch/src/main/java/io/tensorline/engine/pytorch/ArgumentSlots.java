package io.tensorline.engine.pytorch;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.tensorline.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The {@code forward()} arguments of one instance. Every input is copied into a direct staging buffer kept per
 * argument, direct or not: TorchScript models may change their inputs in place ({@code x.div_(255)}), which must
 * never write into the caller's buffers.
 *
 * <p>On the CPU each argument is a tensor over its staging buffer that lives while the shape stays the same, so a
 * call only copies bytes. On the example mlp (EngineCallBenchmark) a call took about 39 µs with a fresh input tensor
 * and 22 µs with a reused one: creating the tensor costs about 3 µs, and {@code forward} itself runs slower on a
 * tensor libtorch has not seen before. A model that changes an input's shape in place ({@code x.unsqueeze_(0)}) is
 * noticed after the call and the tensor recreated; one that changes only its strides in place (a square input's
 * {@code t_()}) is not. On a GPU libtorch copies the staged bytes to the device, so the tensor is made per call, in
 * the call's NDManager.
 *
 * <p>Used by one thread at a time, like its instance.
 */
final class ArgumentSlots implements AutoCloseable {

    private final PtNDManager owner;
    private final boolean reuse;
    private final ByteBuffer[] staging;
    private final long[][] shapes;
    private final PtNDArray[] tensors;
    private final IValue[] arguments;
    private final boolean[] bound;

    /**
     * @param owner the instance's NDManager, which owns reused tensors
     * @param reuse whether tensors alias their staging buffers and so may be kept across calls (CPU only)
     */
    ArgumentSlots(int count, PtNDManager owner, boolean reuse) {
        this.owner = owner;
        this.reuse = reuse;
        this.staging = new ByteBuffer[count];
        this.shapes = new long[count][];
        this.tensors = new PtNDArray[count];
        this.arguments = new IValue[count];
        this.bound = new boolean[count];
    }

    /** True when argument {@code i} already has a value in this call. */
    boolean isBound(int i) {
        return bound[i];
    }

    /** Stages {@code input} as argument {@code i}; a tensor made for this call only belongs to {@code call}. */
    void bind(int i, Tensor input, ai.djl.ndarray.types.DataType type, NDManager call) {
        ByteBuffer data = input.data();
        boolean replaced = ensureCapacity(i, data.remaining());
        ByteBuffer buffer = staging[i];
        buffer.clear();
        buffer.put(data);
        buffer.flip();
        if (!reuse) {
            arguments[i] = IValue.from((PtNDArray) call.create(buffer, new Shape(input.shape()), type));
        } else if (replaced || tensors[i] == null || !Arrays.equals(shapes[i], input.shape())) {
            release(i);
            tensors[i] = owner.create(buffer, new Shape(input.shape()), type);
            shapes[i] = input.shape().clone();
            arguments[i] = IValue.from(tensors[i]);
        }
        bound[i] = true;
    }

    /** The arguments of this call, in {@code forward()} order; valid until {@link #endCall}. */
    IValue[] arguments() {
        return arguments;
    }

    /** Ends a call, failed or not: drops what was made for it and any reused tensor the model reshaped. */
    void endCall() {
        for (int i = 0; i < arguments.length; i++) {
            bound[i] = false;
            if (!reuse) {
                if (arguments[i] != null) {
                    arguments[i].close();
                    arguments[i] = null;
                }
            } else if (tensors[i] != null && !Arrays.equals(shapes[i], JniUtils.getShape(tensors[i]).getShape())) {
                release(i);
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < arguments.length; i++) {
            release(i);
        }
    }

    private void release(int i) {
        if (arguments[i] != null) {
            arguments[i].close();
            arguments[i] = null;
        }
        if (tensors[i] != null) {
            tensors[i].close();
            tensors[i] = null;
            shapes[i] = null;
        }
    }

    /** Makes the staging buffer of {@code i} hold {@code size} bytes; true when it had to be replaced. */
    private boolean ensureCapacity(int i, int size) {
        if (staging[i] != null && staging[i].capacity() >= size) {
            return false;
        }
        // The raw layout is little-endian and so is every platform libtorch's Java natives exist for.
        staging[i] = ByteBuffer.allocateDirect(capacityFor(size)).order(ByteOrder.nativeOrder());
        return true;
    }

    /** Rounds up to a power of two so that growing batches reallocate only a few times. */
    private static int capacityFor(int size) {
        int wanted = Math.max(size, 64);
        int highest = Integer.highestOneBit(wanted);
        return highest == wanted || highest >= (1 << 30) ? wanted : highest << 1;
    }
}
