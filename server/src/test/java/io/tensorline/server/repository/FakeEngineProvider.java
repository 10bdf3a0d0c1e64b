package io.tensorline.server.repository;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.EngineProvider;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine for tests: serves backend {@code fake} (platform {@code fake_platform}, file {@code model.fake}) or
 * whatever it is built with. Each model name is given the tensors its instances report; loads are recorded.
 * Thread-safe, since the registry loads models in parallel.
 */
public class FakeEngineProvider implements EngineProvider {

    /** What one model's instances report, or the failure their load raises. */
    private record Behaviour(List<TensorSpec> inputs, List<TensorSpec> outputs, String loadFailure,
                             int failOnInstance) {
    }

    private final String backend;
    private final Set<String> platforms;
    private final String defaultFile;
    private final int defaultCpuCount;
    private final Map<String, Behaviour> models = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> loadsPerModel = new ConcurrentHashMap<>();
    private final Map<String, String> versionFailures = new ConcurrentHashMap<>();
    private final List<LoadRequest> requests = new CopyOnWriteArrayList<>();
    private final List<FakeLoadedModel> instances = new CopyOnWriteArrayList<>();

    public FakeEngineProvider() {
        this("fake", Set.of("fake_platform"), "model.fake", 1);
    }

    public FakeEngineProvider(String backend, Set<String> platforms, String defaultFile, int defaultCpuCount) {
        this.backend = backend;
        this.platforms = Set.copyOf(platforms);
        this.defaultFile = defaultFile;
        this.defaultCpuCount = defaultCpuCount;
    }

    /** Instances of {@code model} report these tensors. */
    public FakeEngineProvider model(String model, List<TensorSpec> inputs, List<TensorSpec> outputs) {
        models.put(model, new Behaviour(List.copyOf(inputs), List.copyOf(outputs), null, -1));
        return this;
    }

    /** Loading instance number {@code instance} (0-based) of {@code model} fails with {@code message}. */
    public FakeEngineProvider failOnInstance(String model, List<TensorSpec> inputs, List<TensorSpec> outputs,
                                             int instance, String message) {
        models.put(model, new Behaviour(List.copyOf(inputs), List.copyOf(outputs), message, instance));
        return this;
    }

    /** Every load of {@code version} of {@code model} fails with {@code message}. */
    public FakeEngineProvider failVersion(String model, long version, String message) {
        versionFailures.put(model + "/" + version, message);
        return this;
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public Set<String> platforms() {
        return platforms;
    }

    @Override
    public String defaultModelFileName() {
        return defaultFile;
    }

    @Override
    public int defaultCpuInstanceCount() {
        return defaultCpuCount;
    }

    @Override
    public LoadedModel load(LoadRequest request) throws EngineException {
        requests.add(request);
        Behaviour b = models.get(request.modelName());
        if (b == null) {
            throw new EngineException("fake engine knows no model '" + request.modelName() + "'");
        }
        String versionFailure = versionFailures.get(request.modelName() + "/" + request.version());
        if (versionFailure != null) {
            throw new EngineException(versionFailure);
        }
        int n = loadsPerModel.computeIfAbsent(request.modelName(), k -> new AtomicInteger()).getAndIncrement();
        if (b.loadFailure() != null && n == b.failOnInstance()) {
            throw new EngineException(b.loadFailure());
        }
        FakeLoadedModel m = new FakeLoadedModel(request, b.inputs(), b.outputs());
        instances.add(m);
        return m;
    }

    public List<LoadRequest> requests() {
        return List.copyOf(requests);
    }

    public List<LoadRequest> requests(String model) {
        return requests.stream().filter(r -> r.modelName().equals(model)).toList();
    }

    public List<FakeLoadedModel> instances() {
        return List.copyOf(instances);
    }

    /** One fake instance; execution is not exercised here. */
    public static final class FakeLoadedModel implements LoadedModel {
        private final LoadRequest request;
        private final List<TensorSpec> inputs;
        private final List<TensorSpec> outputs;
        private volatile boolean closed;

        FakeLoadedModel(LoadRequest request, List<TensorSpec> inputs, List<TensorSpec> outputs) {
            this.request = request;
            this.inputs = inputs;
            this.outputs = outputs;
        }

        public LoadRequest request() {
            return request;
        }

        public boolean closed() {
            return closed;
        }

        @Override
        public List<TensorSpec> inputs() {
            return inputs;
        }

        @Override
        public List<TensorSpec> outputs() {
            return outputs;
        }

        @Override
        public List<Tensor> execute(List<Tensor> in) {
            return new ArrayList<>(in);
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
