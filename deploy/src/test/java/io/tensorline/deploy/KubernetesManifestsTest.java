package io.tensorline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.tensorline.deploy.Manifests.all;
import static io.tensorline.deploy.Manifests.only;
import static io.tensorline.deploy.Manifests.selects;
import static io.tensorline.deploy.Manifests.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/kubernetes rendered with {@code kubectl kustomize} and every object validated offline against the bundled
 * schemas, then the facts the deployment depends on: probes, ports, grace period, autoscaling metric, KServe runtime.
 * Skips only where no kubectl is installed (Debian: {@code apt-get install kubernetes-client}).
 */
class KubernetesManifestsTest {

    static final List<String> KUSTOMIZATIONS = List.of("base", "overlays/autoscaling", "overlays/s3", "kserve");
    /** Triton's --exit-timeout-secs default: how long the server may take to drain when told to stop. */
    static final int EXIT_TIMEOUT_SECS = 30;

    private static final Map<String, List<JsonNode>> RENDERED = new HashMap<>();
    private static SchemaCatalog schemas;

    @BeforeAll
    static void render() throws Exception {
        assumeTrue(Kustomize.available(), "kubectl is not installed (apt-get install kubernetes-client)");
        for (String k : KUSTOMIZATIONS) {
            RENDERED.put(k, Kustomize.render(SourceTree.path("deploy/kubernetes/" + k)));
        }
        schemas = new SchemaCatalog(SourceTree.path("deploy/kubernetes/schemas"));
    }

    static List<JsonNode> rendered(String kustomization) {
        return RENDERED.get(kustomization);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/autoscaling", "overlays/s3", "kserve"})
    void everyObjectMatchesItsSchema(String kustomization) throws Exception {
        List<JsonNode> objects = rendered(kustomization);
        assertFalse(objects.isEmpty(), kustomization + " rendered nothing");
        for (JsonNode o : objects) {
            List<String> errors = schemas.errors(o);
            assertTrue(errors.isEmpty(), kustomization + ": " + o.path("kind").asText() + " "
                    + o.path("metadata").path("name").asText() + ": " + errors);
        }
    }

    @Test
    void theSchemasRejectAMisspeltField() throws Exception {
        ObjectNode deployment = only(rendered("base"), "Deployment").deepCopy();
        ObjectNode container = (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0);
        container.set("readinesProbe", container.remove("readinessProbe"));
        List<String> errors = schemas.errors(deployment);
        assertTrue(errors.stream().anyMatch(e -> e.contains("readinesProbe")), errors.toString());
    }

    @Test
    void theSchemasRejectAWrongType() throws Exception {
        ObjectNode service = only(rendered("base"), "Service").deepCopy();
        ((ObjectNode) service.path("spec").path("ports").get(0)).put("port", "eight thousand");
        assertFalse(schemas.errors(service).isEmpty());
    }

    @Test
    void probesUseTheHealthEndpointsOnTheHttpPort() {
        JsonNode c = container(rendered("base"));
        assertEquals("/v2/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/v2/health/live", c.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("http", c.path("readinessProbe").path("httpGet").path("port").asText());
        assertEquals(8000, containerPort(c, "http"));
        assertEquals(8001, containerPort(c, "grpc"));
        assertEquals(8002, containerPort(c, "metrics"));
    }

    @Test
    void theServiceExposesTheThreePortsOfThePods() {
        List<JsonNode> base = rendered("base");
        JsonNode service = only(base, "Service");
        Map<Integer, String> ports = new HashMap<>();
        service.path("spec").path("ports").forEach(p -> ports.put(p.path("port").asInt(), p.path("targetPort").asText()));
        assertEquals(Map.of(8000, "http", 8001, "grpc", 8002, "metrics"), ports);
        assertTrue(selects(service.path("spec").path("selector"), podLabels(base)));
    }

    @Test
    void containerArgumentsAreServeFlags() throws Exception {
        for (String k : List.of("base", "overlays/s3", "overlays/autoscaling")) {
            ServeFlags.parse(texts(container(rendered(k)).path("args")));
        }
        JsonNode runtime = only(rendered("kserve"), "ServingRuntime");
        ServeFlags.parse(texts(runtime.path("spec").path("containers").get(0).path("args")));
    }

    @Test
    void theModelRepositoryComesFromTheClaim() throws Exception {
        List<JsonNode> base = rendered("base");
        JsonNode pod = only(base, "Deployment").path("spec").path("template").path("spec");
        String claim = pod.path("volumes").get(0).path("persistentVolumeClaim").path("claimName").asText();
        assertEquals(claim, only(base, "PersistentVolumeClaim").path("metadata").path("name").asText());
        assertEquals("/models", container(base).path("volumeMounts").get(0).path("mountPath").asText());
        assertEquals("/models", ServeFlags.parse(texts(container(base).path("args"))).get("model-repository"));
    }

    @Test
    void theS3VariantNamesAnS3RepositoryAndNoClaim() throws Exception {
        List<JsonNode> s3 = rendered("overlays/s3");
        String repo = ServeFlags.parse(texts(container(s3).path("args"))).get("model-repository");
        assertTrue(repo.startsWith("s3://"), repo);
        assertTrue(all(s3, "PersistentVolumeClaim").isEmpty());
        assertEquals("tensorline-s3", container(s3).path("envFrom").get(0).path("secretRef").path("name").asText());
    }

    @Test
    void requestsAndLimitsAreSet() {
        JsonNode resources = container(rendered("base")).path("resources");
        for (String part : List.of("requests", "limits")) {
            assertFalse(resources.path(part).path("cpu").asText().isEmpty(), part);
            assertFalse(resources.path(part).path("memory").asText().isEmpty(), part);
        }
    }

    @Test
    void gracefulTerminationOutlastsTheExitTimeout() {
        JsonNode pod = only(rendered("base"), "Deployment").path("spec").path("template").path("spec");
        assertTrue(pod.path("terminationGracePeriodSeconds").asInt() > EXIT_TIMEOUT_SECS);
    }

    @Test
    void theDisruptionBudgetCoversThePods() {
        List<JsonNode> base = rendered("base");
        JsonNode pdb = only(base, "PodDisruptionBudget");
        assertTrue(selects(pdb.path("spec").path("selector").path("matchLabels"), podLabels(base)));
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt());
    }

    @Test
    void theAutoscalerScalesTheDeploymentOnPendingRequestsPerPod() throws Exception {
        List<JsonNode> objects = rendered("overlays/autoscaling");
        JsonNode hpa = only(objects, "HorizontalPodAutoscaler");
        JsonNode deployment = only(objects, "Deployment");
        assertEquals(deployment.path("metadata").path("name").asText(),
                hpa.path("spec").path("scaleTargetRef").path("name").asText());
        assertTrue(deployment.path("spec").path("replicas").isMissingNode(), "the HPA owns the replica count");
        JsonNode metric = hpa.path("spec").path("metrics").get(0);
        assertEquals("Pods", metric.path("type").asText());
        assertEquals("nv_inference_pending_request_count", metric.path("pods").path("metric").path("name").asText());
        assertEquals("AverageValue", metric.path("pods").path("target").path("type").asText());

        JsonNode rules = Kustomize.parse(only(objects, "ConfigMap").path("data").path("config.yaml").asText()).get(0);
        JsonNode rule = rules.path("rules").get(0);
        assertTrue(rule.path("seriesQuery").asText().startsWith("nv_inference_pending_request_count{"));
        assertEquals("nv_inference_pending_request_count", rule.path("name").path("as").asText());
        assertEquals("pod", rule.path("resources").path("overrides").path("pod").path("resource").asText());
    }

    @Test
    void theServiceMonitorScrapesTheMetricsPort() {
        List<JsonNode> objects = rendered("overlays/autoscaling");
        JsonNode monitor = only(objects, "ServiceMonitor");
        JsonNode service = only(objects, "Service");
        assertTrue(selects(monitor.path("spec").path("selector").path("matchLabels"), service.path("metadata").path("labels")));
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals("/metrics", endpoint.path("path").asText());
        Set<String> portNames = new java.util.HashSet<>();
        service.path("spec").path("ports").forEach(p -> portNames.add(p.path("name").asText()));
        assertTrue(portNames.contains(endpoint.path("port").asText()));
    }

    @Test
    void theServingRuntimeSpeaksV2OverRestAndGrpcForTheThreeFormats() throws Exception {
        List<JsonNode> objects = rendered("kserve");
        JsonNode spec = only(objects, "ServingRuntime").path("spec");
        assertTrue(texts(spec.path("protocolVersions")).containsAll(List.of("v2", "grpc-v2")));
        Set<String> formats = java.util.stream.StreamSupport.stream(spec.path("supportedModelFormats").spliterator(), false)
                .map(f -> f.path("name").asText()).collect(Collectors.toSet());
        assertEquals(Set.of("onnx", "pytorch", "tensorflow"), formats);
        JsonNode c = spec.path("containers").get(0);
        var flags = ServeFlags.parse(texts(c.path("args")));
        Map<String, Integer> ports = new HashMap<>();
        c.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        assertEquals(Integer.parseInt(flags.get("http-port")), ports.get("http1"));
        assertEquals(Integer.parseInt(flags.get("grpc-port")), ports.get("h2c"));
        assertEquals("/mnt/models", flags.get("model-repository"));

        JsonNode isvc = only(objects, "InferenceService").path("spec").path("predictor").path("model");
        assertEquals(only(objects, "ServingRuntime").path("metadata").path("name").asText(), isvc.path("runtime").asText());
        assertTrue(formats.contains(isvc.path("modelFormat").path("name").asText()));
        assertEquals("v2", isvc.path("protocolVersion").asText());
    }

    @Test
    void everyBundledSchemaIsUsedAndGenerated() throws Exception {
        Set<String> used = RENDERED.values().stream().flatMap(List::stream)
                .map(o -> SchemaCatalog.fileName(o.path("apiVersion").asText(), o.path("kind").asText()))
                .collect(Collectors.toSet());
        for (String name : used) {
            assertTrue(Files.isRegularFile(SourceTree.path("deploy/kubernetes/schemas/" + name)), name);
        }
        String generator = SourceTree.read("deploy/kubernetes/schemas/generate.py");
        for (String name : used) {
            assertTrue(generator.contains('"' + name.replace(".json", "") + '"'), name + " is not written by generate.py");
        }
    }

    private static JsonNode container(List<JsonNode> objects) {
        return only(objects, "Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    }

    private static JsonNode podLabels(List<JsonNode> objects) {
        return only(objects, "Deployment").path("spec").path("template").path("metadata").path("labels");
    }

    private static int containerPort(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + name);
    }
}
