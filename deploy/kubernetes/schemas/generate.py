#!/usr/bin/env python3
"""Writes the JSON schemas that deploy/kubernetes is validated against (offline, by DeployManifestsTest).

Source: the JSON schemas that fabric8's Kubernetes model jars on Maven Central carry (schema/validation-schema.json
in io.fabric8:kubernetes-model-{core,apps,policy,autoscaling} and io.fabric8:openshift-model-monitoring, which
models prometheus-operator's ServiceMonitor), fetched by ./fetch-jars. They describe Java classes, so this script
turns them into schemas of the YAML that Kubernetes reads:
  - IntOrString and Quantity are an integer or a string (a number too for a Quantity), not objects;
  - every object type that lists its properties rejects unknown ones (a misspelt field fails, as it does under
    kubectl's strict field validation), maps stay open;
  - the Java-only keywords go, and draft-3 style `required: true` becomes draft-07 `required: [...]`;
  - apiVersion and kind are pinned to the one they describe;
  - only the definitions reachable from the kinds below are kept, one self-contained file per kind.
KServe publishes no JSON schema and its CRDs leave the spec open, so ServingRuntime (serving.kserve.io/v1alpha1)
and InferenceService (serving.kserve.io/v1beta1) are described here from the fields of KServe's Go API types,
reusing the Kubernetes definitions they embed (Container, PodSpec, ResourceRequirements, ...).

usage: generate.py DIR_WITH_JARS OUTPUT_DIR
"""
import copy
import json
import os
import sys
import zipfile

VERSION = "6.13.4"
JARS = ["kubernetes-model-core", "kubernetes-model-apps", "kubernetes-model-policy",
        "kubernetes-model-autoscaling", "openshift-model-monitoring"]

# file name -> (apiVersion, kind, fabric8 definition)
KINDS = {
    "v1-ConfigMap": ("v1", "ConfigMap", "kubernetes_core_ConfigMap"),
    "v1-Secret": ("v1", "Secret", "kubernetes_core_Secret"),
    "v1-Service": ("v1", "Service", "kubernetes_core_Service"),
    "v1-ServiceAccount": ("v1", "ServiceAccount", "kubernetes_core_ServiceAccount"),
    "v1-PersistentVolumeClaim": ("v1", "PersistentVolumeClaim", "kubernetes_core_PersistentVolumeClaim"),
    "apps-v1-Deployment": ("apps/v1", "Deployment", "kubernetes_apps_Deployment"),
    "policy-v1-PodDisruptionBudget": ("policy/v1", "PodDisruptionBudget", "kubernetes_policy_v1_PodDisruptionBudget"),
    "autoscaling-v2-HorizontalPodAutoscaler": ("autoscaling/v2", "HorizontalPodAutoscaler",
                                               "kubernetes_autoscaling_v2_HorizontalPodAutoscaler"),
    "monitoring.coreos.com-v1-ServiceMonitor": ("monitoring.coreos.com/v1", "ServiceMonitor",
                                                "os_monitoring_v1_ServiceMonitor"),
}

INT_OR_STRING = {"type": ["integer", "string"]}
QUANTITY = {"type": ["string", "number"]}
JAVA_KEYS = {"javaType", "javaInterfaces", "existingJavaType", "javaOmitEmpty", "javaEnumNames", "interfaceImpls",
             "serializer", "deserializer", "extends"}


def load_definitions(jar_dir):
    defs = {}
    for name in JARS:
        path = os.path.join(jar_dir, f"{name}-{VERSION}.jar")
        with zipfile.ZipFile(path) as jar:
            defs.update(json.loads(jar.read("schema/validation-schema.json"))["definitions"])
    return defs


def clean(node):
    if isinstance(node, list):
        return [clean(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    required = []
    for key, value in node.items():
        if key in JAVA_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            props = {}
            for pname, pschema in value.items():
                if isinstance(pschema, dict) and pschema.get("required") is True:
                    required.append(pname)
                props[pname] = clean(pschema)
            out[key] = props
        elif key == "required" and isinstance(value, bool):
            continue
        else:
            out[key] = clean(value)
    if "properties" in out and out.get("additionalProperties") is True:
        out["additionalProperties"] = False
    if required:
        out["required"] = sorted(set(required) | set(out.get("required", [])))
    return out


def fix_definitions(defs):
    fixed = {k: clean(v) for k, v in defs.items()}
    fixed["kubernetes_apimachinery_pkg_util_intstr_IntOrString"] = INT_OR_STRING
    fixed["kubernetes_resource_Quantity"] = QUANTITY
    return fixed


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
                yield value[len("#/definitions/"):]
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for n in node:
            yield from refs(n)


def bundle(root, defs, api_version, kind):
    root = copy.deepcopy(root)
    root.setdefault("properties", {})["apiVersion"] = {"const": api_version}
    root["properties"]["kind"] = {"const": kind}
    root["required"] = sorted(set(root.get("required", [])) | {"apiVersion", "kind"})
    keep, todo = {}, list(refs(root))
    while todo:
        name = todo.pop()
        if name not in keep:
            keep[name] = defs[name]
            todo.extend(refs(defs[name]))
    root["$schema"] = "http://json-schema.org/draft-07/schema#"
    root["definitions"] = dict(sorted(keep.items()))
    return root


def ref(name):
    return {"$ref": "#/definitions/" + name}


def kserve(defs):
    """KServe's types, written from its Go API (pkg/apis/serving): fields named as its JSON tags."""
    string_map = {"type": "object", "additionalProperties": {"type": "string"}}
    model_format = {"type": "object", "additionalProperties": False, "required": ["name"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                                   "autoSelect": {"type": "boolean"}, "priority": {"type": "integer", "minimum": 1}}}
    protocols = {"type": "array", "items": {"enum": ["v1", "v2", "grpc-v1", "grpc-v2"]}}
    runtime_spec = {
        "type": "object", "additionalProperties": False, "required": ["containers"],
        "properties": {
            "supportedModelFormats": {"type": "array", "items": model_format},
            "protocolVersions": protocols,
            "multiModel": {"type": "boolean"},
            "disabled": {"type": "boolean"},
            "containers": {"type": "array", "minItems": 1, "items": ref("kubernetes_core_Container")},
            "volumes": {"type": "array", "items": ref("kubernetes_core_Volume")},
            "nodeSelector": string_map,
            "affinity": ref("kubernetes_core_Affinity"),
            "tolerations": {"type": "array", "items": ref("kubernetes_core_Toleration")},
            "imagePullSecrets": {"type": "array", "items": ref("kubernetes_core_LocalObjectReference")},
            "labels": string_map,
            "annotations": string_map,
            "grpcEndpoint": {"type": "string"},
            "grpcDataEndpoint": {"type": "string"},
            "httpDataEndpoint": {"type": "string"},
            "replicas": {"type": "integer", "minimum": 0},
            "storageHelper": {"type": "object", "additionalProperties": False,
                              "properties": {"disabled": {"type": "boolean"}}},
            "hostIPC": {"type": "boolean"},
        },
    }
    serving_runtime = {
        "type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                       "metadata": ref("kubernetes_apimachinery_ObjectMeta"), "spec": runtime_spec},
    }
    # ModelSpec: a core Container (inlined in KServe's PredictorExtensionSpec) plus the model's own fields.
    container = defs["kubernetes_core_Container"]
    model = copy.deepcopy(container)
    model.pop("required", None)
    model["properties"].update({
        "modelFormat": model_format,
        "runtime": {"type": "string"},
        "storageUri": {"type": "string"},
        "protocolVersion": {"enum": ["v1", "v2", "grpc-v1", "grpc-v2"]},
        "runtimeVersion": {"type": "string"},
    })
    # PredictorSpec: a PodSpec (inlined) plus KServe's ComponentExtensionSpec and the predictor's model.
    predictor = copy.deepcopy(defs["kubernetes_core_PodSpec"])
    predictor.pop("required", None)
    predictor["properties"].update({
        "model": model,
        "minReplicas": {"type": "integer", "minimum": 0},
        "maxReplicas": {"type": "integer", "minimum": 0},
        "scaleTarget": {"type": "integer", "minimum": 1},
        "scaleMetric": {"enum": ["cpu", "memory", "concurrency", "rps"]},
        "containerConcurrency": {"type": "integer", "minimum": 0},
        "timeout": {"type": "integer", "minimum": 0},
        "canaryTrafficPercent": {"type": "integer", "minimum": 0, "maximum": 100},
        "labels": string_map,
        "annotations": string_map,
    })
    inference_service = {
        "type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                       "metadata": ref("kubernetes_apimachinery_ObjectMeta"),
                       "spec": {"type": "object", "additionalProperties": False, "required": ["predictor"],
                                "properties": {"predictor": predictor}}},
    }
    return {
        "serving.kserve.io-v1alpha1-ServingRuntime": ("serving.kserve.io/v1alpha1", "ServingRuntime", serving_runtime),
        "serving.kserve.io-v1beta1-InferenceService": ("serving.kserve.io/v1beta1", "InferenceService",
                                                       inference_service),
    }


def main():
    jar_dir, out_dir = sys.argv[1], sys.argv[2]
    defs = fix_definitions(load_definitions(jar_dir))
    roots = {name: (api, kind, defs[d]) for name, (api, kind, d) in KINDS.items()}
    roots.update(kserve(defs))
    os.makedirs(out_dir, exist_ok=True)
    for name, (api, kind, root) in sorted(roots.items()):
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(bundle(root, defs, api, kind), f, indent=1, sort_keys=False)
            f.write("\n")
        print(name)


if __name__ == "__main__":
    main()
