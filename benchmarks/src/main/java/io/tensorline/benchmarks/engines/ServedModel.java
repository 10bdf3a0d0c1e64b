package io.tensorline.benchmarks.engines;

import com.google.protobuf.TextFormat;
import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Shapes;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelInstanceGroup;
import io.tensorline.proto.ModelOutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * One model directory of a repository, read the way the server reads it for an engine: its {@code config.pbtxt}
 * (which must declare {@code max_batch_size} and every input and output, as the bench repositories do) and its
 * highest version folder. Builds the same {@link LoadRequest} the server gives each instance, so an in-process
 * benchmark runs the engine as the server runs it.
 */
final class ServedModel {

    private final ModelConfig config;
    private final EngineProvider engine;
    private final Path modelPath;

    private ServedModel(ModelConfig config, EngineProvider engine, Path modelPath) {
        this.config = config;
        this.engine = engine;
        this.modelPath = modelPath;
    }

    static ServedModel open(Path modelDir) throws IOException {
        Path configFile = modelDir.resolve("config.pbtxt");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("no config.pbtxt in " + modelDir
                    + " (expected: a model directory of a repository, with config.pbtxt and a version folder)");
        }
        ModelConfig.Builder b = ModelConfig.newBuilder();
        TextFormat.merge(Files.readString(configFile), b);
        if (b.getName().isEmpty()) {
            b.setName(modelDir.getFileName().toString());
        }
        ModelConfig config = b.build();
        EngineProvider engine = engineFor(config);
        String file = config.getDefaultModelFilename().isEmpty()
                ? engine.defaultModelFileName() : config.getDefaultModelFilename();
        return new ServedModel(config, engine, latestVersion(modelDir).resolve(file));
    }

    /** The request the server builds for each instance (see the repository's VersionLoader). */
    LoadRequest loadRequest() {
        Map<String, String> parameters = new LinkedHashMap<>();
        config.getParametersMap().forEach((k, v) -> parameters.put(k, v.getStringValue()));
        int mbs = config.getMaxBatchSize();
        List<TensorSpec> inputs = new ArrayList<>();
        for (ModelInput in : config.getInputList()) {
            inputs.add(spec(in.getName(), in.getDataTypeValue(), in.getDimsList(), mbs));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        for (ModelOutput out : config.getOutputList()) {
            outputs.add(spec(out.getName(), out.getDataTypeValue(), out.getDimsList(), mbs));
        }
        return new LoadRequest(config.getName(), 1, modelPath, Device.CPU, parameters, inputs, outputs, mbs,
                instanceCount());
    }

    LoadedModel load() throws EngineException {
        return engine.load(loadRequest());
    }

    /** One tensor per declared input, {@code batch} rows of seeded random data (Gaussian for floating point). */
    List<Tensor> randomInputs(int batch, long seed) {
        if (config.getMaxBatchSize() <= 0 && batch != 1) {
            throw new IllegalArgumentException("model '" + config.getName() + "' has max_batch_size 0 (expected: "
                    + "batch 1 for a model that does not batch)");
        }
        Random random = new Random(seed);
        List<Tensor> tensors = new ArrayList<>();
        for (ModelInput in : config.getInputList()) {
            DataType type = DataType.fromConfigNumber(in.getDataTypeValue());
            long[] dims = in.getDimsList().stream().mapToLong(Long::longValue).toArray();
            for (long d : dims) {
                if (d < 0) {
                    throw new IllegalArgumentException("input '" + in.getName() + "' of model '" + config.getName()
                            + "' has a variable dimension " + Shapes.toString(dims)
                            + " (expected: fixed dims in a bench config)");
                }
            }
            if (!type.isFixedSize()) {
                throw new IllegalArgumentException("input '" + in.getName() + "' is " + type
                        + " (expected: a fixed-size datatype)");
            }
            long[] shape = config.getMaxBatchSize() > 0 ? Shapes.prepend(batch, dims) : dims;
            tensors.add(Tensor.of(in.getName(), type, shape, fill(type, Shapes.elementCount(shape), random)));
        }
        return tensors;
    }

    private static ByteBuffer fill(DataType type, long elements, Random random) {
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(elements * type.byteSize()))
                .order(ByteOrder.LITTLE_ENDIAN);
        if (type == DataType.FP32) {
            while (data.hasRemaining()) {
                data.putFloat((float) random.nextGaussian());
            }
        } else if (type == DataType.FP64) {
            while (data.hasRemaining()) {
                data.putDouble(random.nextGaussian());
            }
        } else {
            random.nextBytes(data.array());
            data.position(data.limit());
        }
        return data.flip();
    }

    private int instanceCount() {
        int count = 0;
        for (ModelInstanceGroup g : config.getInstanceGroupList()) {
            count += g.getKind() == ModelInstanceGroup.Kind.KIND_GPU
                    ? g.getCount() * Math.max(1, g.getGpusCount()) : g.getCount();
        }
        return count > 0 ? count : engine.defaultCpuInstanceCount();
    }

    private static TensorSpec spec(String name, int dataType, List<Long> dims, int mbs) {
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return new TensorSpec(name, DataType.fromConfigNumber(dataType), mbs > 0 ? Shapes.prepend(-1, shape) : shape);
    }

    private static EngineProvider engineFor(ModelConfig config) {
        String backend = config.getBackend();
        String platform = config.getPlatform();
        List<String> available = new ArrayList<>();
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            if (p.backend().equals(backend) || p.platforms().contains(platform)) {
                return p;
            }
            available.add(p.backend());
        }
        throw new IllegalArgumentException("model '" + config.getName() + "': no engine for backend '" + backend
                + "' / platform '" + platform + "' on the classpath (expected one of: " + available + ")");
    }

    private static Path latestVersion(Path modelDir) throws IOException {
        try (Stream<Path> children = Files.list(modelDir)) {
            return children.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().matches("[0-9]+"))
                    .max((x, y) -> Long.compare(Long.parseLong(x.getFileName().toString()),
                            Long.parseLong(y.getFileName().toString())))
                    .orElseThrow(() -> new IllegalArgumentException("no numeric version folder in " + modelDir));
        }
    }
}
