package io.tensorline.server.repository;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Explicit model control around ensembles, as Triton's dependency graph does it:
 * <ul>
 *   <li>loading an ensemble first loads (or re-polls) the models its steps name, ensembles among them in turn;
 *       those it brought in are not explicitly loaded;</li>
 *   <li>unloading a model also unloads the ensembles whose serving versions run a step on it (and theirs), since
 *       their dependency no longer holds;</li>
 *   <li>with {@code unload_dependents}, unloading an ensemble also unloads each model it ran a step on that was not
 *       explicitly loaded and that no other serving ensemble still needs (and so on up the graph).</li>
 * </ul>
 * Models named by the load API or by {@code --load-model} are the explicitly loaded ones; an explicit unload takes
 * a model off that list. The list is the only state, a concurrent set; the operations themselves are the
 * lifecycle's, queued per model there.
 */
final class EnsembleDependencies {

    private final ModelLifecycle lifecycle;
    private final ModelSnapshot snapshot;
    /** The models a model folder's ensemble config names, or null when it is no ensemble. */
    private final Function<Path, List<String>> stepsOf;
    private final Set<String> explicit = ConcurrentHashMap.newKeySet();

    EnsembleDependencies(ModelLifecycle lifecycle, ModelSnapshot snapshot, Function<Path, List<String>> stepsOf) {
        this.lifecycle = lifecycle;
        this.snapshot = snapshot;
        this.stepsOf = stepsOf;
    }

    /** Explicit-mode start-up: {@code names} are explicitly loaded; returns them plus every model they need. */
    List<String> startUp(Collection<String> names) {
        explicit.addAll(names);
        Set<String> all = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(names);
        while (!todo.isEmpty()) {
            String name = todo.remove(todo.size() - 1);
            if (all.add(name)) {
                List<String> steps = steps(name);
                if (steps != null) {
                    todo.addAll(steps);
                }
            }
        }
        return List.copyOf(all);
    }

    /** The load API: loads {@code name}, after the models its ensemble config names when it is an ensemble. */
    CompletableFuture<Void> load(String name, LoadParameters parameters) {
        explicit.add(name);
        return loadAfterSteps(name, parameters, new HashSet<>());
    }

    private CompletableFuture<Void> loadAfterSteps(String name, LoadParameters parameters, Set<String> seen) {
        List<String> steps = seen.add(name) ? steps(name) : null; // a cycle fails the ensemble's own check
        if (steps == null || steps.isEmpty()) {
            return lifecycle.load(name, parameters);
        }
        List<CompletableFuture<Void>> first = new ArrayList<>();
        for (String step : steps) {
            // a composing model that fails to load is reported by the ensemble's check, which names it
            first.add(loadAfterSteps(step, LoadParameters.NONE, seen).handle((r, e) -> null));
        }
        return CompletableFuture.allOf(first.toArray(CompletableFuture[]::new))
                .thenCompose(r -> lifecycle.load(name, parameters));
    }

    /** The unload API. Completes when {@code name} and what goes with it are unloaded. */
    CompletableFuture<Void> unload(String name, boolean unloadDependents) {
        explicit.remove(name);
        return unloadWith(name, unloadDependents);
    }

    private CompletableFuture<Void> unloadWith(String name, boolean unloadDependents) {
        List<String> upstream = servingSteps(name);
        CompletableFuture<Void> done = lifecycle.unload(name).thenCompose(r -> all(lifecycle.dependents(name)
                .stream().map(d -> unloadWith(d, false)).toList()));
        if (!unloadDependents) {
            return done;
        }
        return done.thenCompose(r -> all(upstream.stream()
                .filter(u -> !explicit.contains(u) && lifecycle.dependents(u).isEmpty())
                .map(u -> unloadWith(u, true)).toList()));
    }

    /** The models the serving versions of {@code name} run steps on (none when it is no ensemble). */
    private List<String> servingSteps(String name) {
        ModelEntry entry = snapshot.get(name);
        Set<String> out = new LinkedHashSet<>();
        if (entry != null) {
            for (ModelVersion v : entry.handles()) {
                if (v.spec().ensemble() != null) {
                    v.spec().ensemble().steps().forEach(s -> out.add(s.modelName()));
                }
            }
        }
        return List.copyOf(out);
    }

    private List<String> steps(String name) {
        List<Path> dirs = lifecycle.locate(name);
        return dirs.size() == 1 ? stepsOf.apply(dirs.get(0)) : null;
    }

    private static CompletableFuture<Void> all(List<CompletableFuture<Void>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    }
}
