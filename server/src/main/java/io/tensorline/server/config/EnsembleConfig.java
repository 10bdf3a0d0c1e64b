package io.tensorline.server.config;

import io.tensorline.engine.Shapes;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelEnsembling;
import io.tensorline.proto.ModelInput;
import io.tensorline.proto.ModelOutput;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Triton's load-time checks of an ensemble, in Triton's words: the structure alone (every input used, every output
 * written, each tensor written once, no unused tensor, no cycle) and then against the composing models' completed
 * specs (names, data types, shapes, max_batch_size). Stateless.
 */
public final class EnsembleConfig {

    public static final String PLATFORM = "ensemble";

    private EnsembleConfig() {
    }

    public static boolean isEnsemble(ModelConfig config) {
        return PLATFORM.equals(config.getPlatform());
    }

    /** The checks that need no composing model. */
    public static void validate(ModelConfig c) throws ConfigException {
        String m = c.getName();
        if (!isEnsemble(c)) {
            if (c.hasEnsembleScheduling()) {
                throw new ConfigException("ensemble scheduling cannot be set for model '" + m
                        + "' whose platform is not ensemble");
            }
            return;
        }
        if (!c.hasEnsembleScheduling()) {
            throw ConfigException.of(m, "ensemble_scheduling: missing (expected: the steps of an ensemble)");
        }
        if (c.getInstanceGroupCount() > 0) {
            throw new ConfigException("instance group should not be specified for ensemble '" + m + "'");
        }
        if (c.hasOptimization()) {
            throw new ConfigException("optimization should not be specified for ensemble '" + m + "'");
        }
        if (c.getModelWarmupCount() > 0) {
            throw new ConfigException("model_warmup can not be specified for ensemble '" + m + "'");
        }
        if (c.hasSequenceBatching() || c.hasDynamicBatching()) {
            throw ConfigException.of(m, "%s: set on an ensemble (expected: only ensemble_scheduling; the composing "
                    + "models batch on their own)", c.hasSequenceBatching() ? "sequence_batching" : "dynamic_batching");
        }
        ModelEnsembling e = c.getEnsembleScheduling();
        if (e.getStepCount() == 0) {
            throw new ConfigException("must specify 'step' for ensemble '" + m + "'");
        }
        Set<String> inputs = new HashSet<>();
        c.getInputList().forEach(i -> inputs.add(i.getName()));
        Map<String, String> writer = new HashMap<>(); // tensor -> step model
        Set<String> read = new HashSet<>();
        for (ModelEnsembling.Step s : e.getStepList()) {
            if (s.getModelName().isEmpty()) {
                throw ConfigException.of(m, "ensemble_scheduling.step.model_name: empty (expected: a model name)");
            }
            if (s.getModelVersion() < -1 || s.getModelVersion() == 0) {
                throw ConfigException.of(m, "ensemble_scheduling.step '%s': model_version %d (expected: -1 for the "
                        + "latest, or a version >= 1)", s.getModelName(), s.getModelVersion());
            }
            read.addAll(s.getInputMapMap().values());
            Set<String> inStep = new HashSet<>();
            for (String tensor : s.getOutputMapMap().values()) {
                if (!inStep.add(tensor)) {
                    throw new ConfigException("in ensemble " + m + ", multiple outputs in model " + s.getModelName()
                            + " are mapped to the same ensemble tensor " + tensor);
                }
                if (writer.put(tensor, s.getModelName()) != null || inputs.contains(tensor)) {
                    throw new ConfigException("ensemble tensor '" + tensor + "' can appear in an output map only once "
                            + "for ensemble '" + m + "' step " + s.getModelName());
                }
            }
        }
        for (String in : inputs) {
            if (!read.contains(in)) {
                throw new ConfigException("ensemble input '" + in + "' for ensemble " + m + "' is not used");
            }
        }
        Set<String> outputs = new HashSet<>();
        for (ModelOutput o : c.getOutputList()) {
            outputs.add(o.getName());
            if (!writer.containsKey(o.getName())) {
                throw new ConfigException("output '" + o.getName() + "' for ensemble '" + m + "' is not written");
            }
        }
        for (String t : writer.keySet()) {
            if (!read.contains(t) && !outputs.contains(t)) {
                throw new ConfigException("ensemble tensor '" + t + "' is unused in ensemble '" + m + "'");
            }
        }
        for (String t : read) {
            if (!inputs.contains(t) && !writer.containsKey(t)) {
                throw ConfigException.of(m, "ensemble tensor '%s' is read by a step but is neither an ensemble input "
                        + "nor written by any step (expected: one of %s)", t, union(inputs, writer.keySet()));
            }
        }
        checkAcyclic(m, e, inputs);
    }

    /** Kahn's walk over the steps: a step that can never run sits on a cycle. */
    private static void checkAcyclic(String m, ModelEnsembling e, Set<String> inputs) throws ConfigException {
        Set<String> available = new HashSet<>(inputs);
        List<ModelEnsembling.Step> left = new ArrayList<>(e.getStepList());
        boolean progress = true;
        while (!left.isEmpty() && progress) {
            progress = left.removeIf(s -> {
                if (available.containsAll(s.getInputMapMap().values())) {
                    available.addAll(s.getOutputMapMap().values());
                    return true;
                }
                return false;
            });
        }
        if (!left.isEmpty()) {
            throw ConfigException.of(m, "ensemble_scheduling: steps %s wait on each other's outputs (expected: the "
                    + "steps form a DAG, no cycle)", left.stream().map(ModelEnsembling.Step::getModelName).toList());
        }
    }

    /** The checks against each composing model's completed spec; {@code composing} returns null for a missing one. */
    public static void validateAgainst(ModelConfig c, Function<String, ModelSpec> composing) throws ConfigException {
        String m = c.getName();
        Map<String, Declared> tensors = new HashMap<>();
        for (ModelInput in : c.getInputList()) {
            tensors.put(in.getName(), new Declared(in.getDataType().name(), IoValidator.toArray(in.getDimsList()),
                    "ensemble " + m));
        }
        for (ModelOutput out : c.getOutputList()) {
            tensors.putIfAbsent(out.getName(), new Declared(out.getDataType().name(),
                    IoValidator.toArray(out.getDimsList()), "ensemble " + m));
        }
        for (ModelEnsembling.Step s : c.getEnsembleScheduling().getStepList()) {
            ModelSpec spec = composing.apply(s.getModelName());
            if (spec == null) {
                throw ConfigException.of(m, "ensemble '%s' depends on '%s', which has no ready version (expected: a "
                        + "loaded model in the repository)", m, s.getModelName());
            }
            if (spec.maxBatchSize() != 0 && spec.maxBatchSize() < c.getMaxBatchSize()) {
                throw new ConfigException("ensemble " + m + " allows maximum batch size " + c.getMaxBatchSize()
                        + ", but it contains model " + s.getModelName() + " which only allows maximum batch size to be "
                        + spec.maxBatchSize());
            }
            for (Map.Entry<String, String> e : s.getInputMapMap().entrySet()) {
                IoSpec io = spec.input(e.getKey());
                if (io == null) {
                    throw new ConfigException("in ensemble " + m + ", ensemble tensor " + e.getValue()
                            + " is mapping to non-existing input " + e.getKey() + " in model " + s.getModelName());
                }
                check(tensors, e.getValue(), new Declared(io.dataType().configName(), io.dims(),
                        s.getModelName()));
            }
            for (IoSpec io : spec.inputs()) {
                if (!io.optional() && !s.getInputMapMap().containsKey(io.name())) {
                    throw new ConfigException("in ensemble " + m + ", input " + io.name() + " in model "
                            + s.getModelName() + " is not mapped to any ensemble tensors");
                }
            }
            for (Map.Entry<String, String> e : s.getOutputMapMap().entrySet()) {
                IoSpec io = spec.output(e.getKey());
                if (io == null) {
                    throw new ConfigException("in ensemble " + m + ", ensemble tensor " + e.getValue()
                            + " is mapped from non-existing output " + e.getKey() + " in model " + s.getModelName());
                }
                check(tensors, e.getValue(), new Declared(io.dataType().configName(), io.dims(),
                        s.getModelName()));
            }
        }
    }

    private record Declared(String type, long[] dims, String from) {
    }

    private static void check(Map<String, Declared> tensors, String tensor, Declared found) throws ConfigException {
        Declared known = tensors.putIfAbsent(tensor, found);
        if (known == null) {
            return;
        }
        if (!known.type.equals(found.type)) {
            throw new ConfigException("inconsistent data type: " + known.type + " is inferred from model " + known.from
                    + " while " + found.type + " is inferred from model " + found.from + " for ensemble tensor "
                    + tensor);
        }
        if (!compatible(known.dims, found.dims)) {
            throw new ConfigException("inconsistent shape: " + Shapes.toString(known.dims) + " is inferred from model "
                    + known.from + " while " + Shapes.toString(found.dims) + " is inferred from model " + found.from
                    + " for ensemble tensor " + tensor);
        }
    }

    /** Same rank, and each dimension equal or -1 on either side. */
    private static boolean compatible(long[] a, long[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != -1 && b[i] != -1 && a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    /** The spec, once validated. */
    public static EnsembleSpec spec(ModelConfig c) {
        List<EnsembleSpec.Step> steps = new ArrayList<>();
        for (ModelEnsembling.Step s : c.getEnsembleScheduling().getStepList()) {
            steps.add(new EnsembleSpec.Step(s.getModelName(), s.getModelVersion(), s.getInputMapMap(),
                    s.getOutputMapMap()));
        }
        return new EnsembleSpec(steps);
    }

    private static List<String> union(Set<String> a, Set<String> b) {
        ArrayDeque<String> all = new ArrayDeque<>(a);
        all.addAll(b);
        return all.stream().sorted().toList();
    }
}
