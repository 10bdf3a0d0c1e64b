package io.tensorline.server.config;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelWarmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds the {@code model_warmup} samples of a completed config at load time: each sample's tensors (zero data,
 * random data, or an {@code input_data_file} under {@code <model>/warmup/}), with {@code batch_size} N rows on a
 * batching model; samples with {@code batch_size} 0 are left out. Stateless.
 */
final class WarmupSamples {

    private WarmupSamples() {
    }

    /** @param modelDir the model folder, whose {@code warmup/} holds the {@code input_data_file}s */
    static List<WarmupSample> of(ModelConfig config, Path modelDir) throws ConfigException {
        List<WarmupSample> out = new ArrayList<>();
        for (ModelWarmup sample : config.getModelWarmupList()) {
            if (sample.getBatchSize() == 0) {
                continue;
            }
            out.add(new WarmupSample(sample.getName(), Math.max(1, sample.getCount()), inputs(config, sample,
                    modelDir)));
        }
        return out;
    }

    private static ConfigException failed(ModelWarmup sample, String why) {
        return WarmupSample.failed(sample.getName(), why);
    }

    private static List<Tensor> inputs(ModelConfig config, ModelWarmup sample, Path modelDir)
            throws ConfigException {
        List<Tensor> out = new ArrayList<>();
        int rows = (int) sample.getBatchSize();
        for (Map.Entry<String, ModelWarmup.Input> e : new java.util.TreeMap<>(sample.getInputsMap()).entrySet()) {
            String name = e.getKey();
            ModelWarmup.Input in = e.getValue();
            long[] dims = in.getDimsList().stream().mapToLong(Long::longValue).toArray();
            for (long d : dims) {
                if (d < 0) {
                    throw failed(sample, "warmup setting expects all variable-size dimensions are specified for "
                            + "input '" + name + "'");
                }
            }
            DataType type = DataType.fromConfigNumber(in.getDataTypeValue());
            long elements = Shapes.elementCount(dims);
            byte[] one = sampleBytes(sample, name, in, type, elements, modelDir);
            ByteBuffer data = ByteBuffer.allocateDirect(one.length * rows).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                data.put(one);
            }
            data.flip();
            long[] engineDims = engineShape(config, name, dims);
            long[] shape = config.getMaxBatchSize() > 0 ? Shapes.prepend(rows, engineDims) : engineDims;
            out.add(Tensor.of(name, type, shape, data));
        }
        return out;
    }

    /** The shape the engine sees for one row: the input's {@code reshape} when it has one. */
    private static long[] engineShape(ModelConfig config, String name, long[] dims) {
        for (ModelInput in : config.getInputList()) {
            if (in.getName().equals(name) && in.hasReshape()) {
                return in.getReshape().getShapeList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return dims;
    }

    /** One row's bytes; BYTES elements are a 4-byte length and the bytes (zero data: empty strings). */
    private static byte[] sampleBytes(ModelWarmup sample, String name, ModelWarmup.Input in, DataType type,
                                      long elements, Path modelDir) throws ConfigException {
        long size = type.isFixedSize() ? elements * type.byteSize() : elements * 4;
        switch (in.getInputDataTypeCase()) {
            case ZERO_DATA:
                return new byte[(int) size];
            case RANDOM_DATA:
                return type.isFixedSize() ? random(type, (int) elements) : new byte[(int) size];
            case INPUT_DATA_FILE:
                Path file = modelDir.resolve("warmup").resolve(in.getInputDataFile()).normalize();
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (IOException ex) {
                    throw failed(sample, "cannot read " + file + ": " + ex.getMessage());
                }
                if (type.isFixedSize() && bytes.length < size) {
                    throw failed(sample, "warmup setting expects " + size + " bytes, but the data provided from "
                            + in.getInputDataFile() + "only has " + bytes.length + " bytes");
                }
                return type.isFixedSize() ? java.util.Arrays.copyOf(bytes, (int) size) : bytes;
            default:
                throw failed(sample, "warmup setting expects input '" + name + "' to have input_data_type set");
        }
    }

    /** Random values: floating point ones in [0, 1) (random bits could be NaN), others random bytes. */
    private static byte[] random(DataType type, int elements) {
        SplittableRandom rnd = new SplittableRandom(elements);
        ByteBuffer b = ByteBuffer.allocate(elements * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < elements; i++) {
            switch (type) {
                case FP32 -> b.putFloat((float) rnd.nextDouble());
                case FP64 -> b.putDouble(rnd.nextDouble());
                case FP16, BF16 -> b.putShort((short) 0x3800); // 0.5 in FP16; a small positive BF16 too
                case BOOL -> b.put((byte) rnd.nextInt(2));
                default -> {
                    for (int k = 0; k < type.byteSize(); k++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                }
            }
        }
        return b.array();
    }
}
