#!/usr/bin/python3
"""Generate the small ONNX / TorchScript models used by Tensorline.

Tensorline is a Java inference server compatible with NVIDIA Triton. This
script builds, deterministically (fixed seeds), every model the project
commits, plus a few larger models generated on demand for benchmarking.

Run it with the system interpreter, which has the Debian packages
python3-torch, python3-onnx and python3-torchvision:

    /usr/bin/python3 scripts/make_models.py            # regenerate committed models
    /usr/bin/python3 scripts/make_models.py --check    # verify committed files are up to date
    /usr/bin/python3 scripts/make_models.py --mlp-medium --resnet50   # build/models/...

Default run (no flags) writes the committed models and is idempotent: a file is
rewritten only when its bytes change, so a second run changes nothing.

Committed outputs
-----------------
model-repository/ (the bundled example repository)
  simple/       Triton's classic "add_sub": INPUT0, INPUT1 FP32 [16] ->
                OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1;
                max_batch_size 8, one CPU instance; has config.pbtxt.
  mlp/          torch.nn.Sequential(Linear(4,16), ReLU, Linear(16,3)), seed 0,
                exported with torch.onnx.export: INPUT0 FP32 [batch,4] ->
                OUTPUT0 FP32 [batch,3]. It deliberately has NO config.pbtxt:
                the server must auto-complete it (platform from model.onnx,
                inputs/outputs from the graph, max_batch_size > 0 because the
                first dimension is dynamic).
  mlp_torchscript/  the same mlp (same weights) traced to TorchScript,
                pytorch_libtorch: INPUT__0 FP32 [4] -> OUTPUT__0 FP32 [3],
                max_batch_size 8. TorchScript carries no tensor names or
                shapes, so it has a config.pbtxt. Checked against eager torch
                and against mlp/1/model.onnx (within 1e-5).
  README.md     table of the models above.

server/src/test/resources/test-repository/ (integration-test repository)
  identity_<t>  t in bool,int8,int16,int32,int64,uint8,uint16,uint32,uint64,
                fp16,fp32,fp64,string: ONNX Identity, INPUT0 -> OUTPUT0,
                shape [batch, n]; config max_batch_size 8, dims [-1].
  add_sub       dims [4], max_batch_size 8, versions 1 and 2 (v2 computes
                OUTPUT0 = INPUT0 + INPUT1 + 1), version_policy all.
  add_sub_latest  same two versions, default version policy (latest 1).
  autocomplete_nobatch  no config.pbtxt; x FP32 [2,3] -> y = 2x FP32 [2,3].
  autocomplete_batch    no config.pbtxt; x FP32 [batch,3] -> y = x + 1.
  nobatch_fixed max_batch_size 0; INPUT0 FP32 [2,2] -> OUTPUT0 = 3 * INPUT0.
  multi_instance  identity_fp32 graph with instance_group { count: 2 KIND_CPU }.
  classifier    Gemm with random weights (seed 7): INPUT0 FP32 [batch, 8] ->
                OUTPUT0 FP32 [batch, 5] logits, max_batch_size 8; OUTPUT0 has
                label_filename "labels.txt" (five labels, in the model folder)
                for the classification extension.

server/src/test/resources/faulty-repository/ (models that fail on some inputs)
  gather_lookup INPUT0 INT64 [batch, 1] -> OUTPUT0 FP32 [batch, 1] =
                TABLE[INPUT0] with TABLE = [0.5, 10.5, ..., 70.5] (Gather,
                axis 0): an index outside [-8, 7] makes ONNX Runtime fail the
                whole execution, so one bad request fails its batch.
                max_batch_size 16, dynamic_batching with preferred size 8.

server/src/test/resources/pytorch-repository/ (TorchScript test repository;
every model torch.jit.script-ed, pytorch_libtorch, with config.pbtxt)
  add_sub_pt    (INPUT__0, INPUT__1) -> (OUTPUT__0 = a + b, OUTPUT__1 = a - b),
                FP32 dims [4], max_batch_size 8.
  identity_pt_<t>  t in bool,uint8,int8,int32,int64,fp16,fp32,fp64 (the types
                DJL 0.35's PyTorch bridge can create): INPUT__0 -> OUTPUT__0,
                dims [-1], max_batch_size 8.
  transpose_pt  INPUT__0 FP32 [2,3] -> OUTPUT__0 = x.t() [3,2] (a
                non-contiguous result), max_batch_size 0.
  inplace_pt    INPUT__0 FP32 dims [-1] -> OUTPUT__0 = 2x, computed by
                changing the input in place (x.mul_(2), x.unsqueeze_(0)),
                max_batch_size 8.
  grad_mode_pt  INPUT__0 FP32 dims [-1] -> OUTPUT__0 of the same shape, all
                1.0 when forward() runs with autograd on, 0.0 when off.

server/src/test/resources/sequence-repository/ (sequence_batching models; --sequence)
  accumulator   ONNX: OUTPUT = STATE_OUT = INPUT + STATE_IN (INT32 [batch,1]),
                direct strategy, implicit state with a zero initial state.
  accumulator_oldest  the same graph, oldest strategy, two instances,
                initial state 100 from initial_state/hundred.
  sequence_controls  OUTPUT = INPUT + 1000*START + 100*END + 10*READY,
                CORRID_OUT = CORRID, no batching.
  sequence_lookup  ONNX: OUTPUT = STATE_OUT = STATE_IN + [0,10,..,70][INPUT],
                max_batch_size 1 (one slot): an index outside [-8, 7] fails in
                the engine, for the tests of failures inside a sequence.
  accumulator_pt  TorchScript (x, state) -> (x + state, x + state), implicit
                state STATE_IN__1 -> STATE_OUT__1 (Triton's PyTorch backend
                wants <name>__<index> names with states).
  accumulator_pt_corrid  TorchScript without implicit state: keeps a running
                sum per CORRID__3 in a Dict attribute, START__1 resets it,
                END__2 forgets it.
  (accumulator_tf and accumulator_tf_corrid are TensorFlow SavedModels written
  by engines/tensorflow's ExportSequenceSavedModels, -Pexport-savedmodels.)

TorchScript files are deterministic across runs, but TorchScript mangles the
name of a type compiled twice in one process (___torch_mangle_N), so they are
built first, before any other torch work of the run.

On-demand outputs
----------------------------------------------------
  --mlp-medium   <out>/mlp_medium: 4 x (1024x1024) MLP, INPUT0/OUTPUT0 FP32
                 [batch,1024], max_batch_size 64, dynamic_batching.
  --resnet50     <out>/resnet50_onnx (ONNX, INPUT__0 [batch,3,224,224] ->
                 OUTPUT__0 [batch,1000], max_batch_size 32) and
                 <out>/resnet50_torchscript (torch.jit.trace, pytorch_libtorch).
                 Random init (weights=None), seed 0.
  --torchscript  only the TorchScript models above (mlp_torchscript and the
                 pytorch-repository); the default run writes them too.
  --mlp-weights-json PATH
                 writes the example mlp's weights (same seed) as JSON, for the
                 Java tool that exports model-repository/mlp_savedmodel (TF Java;
                 TensorFlow for Python is not available here). See
                 model-repository/README.md for the two commands.
  <out> is --out DIR, default <repo>/build/models (git-ignored).

Hand-built graphs use onnx.helper with opset 13 and ir_version 8 (loadable by
ONNX Runtime 1.21). Every ONNX file is checked with onnx.checker (full check,
including shape inference) and run numerically: with
onnx.reference.ReferenceEvaluator when the installed onnx has it (>= 1.13),
otherwise with a tiny numpy evaluator built into this script that covers the
ops used here (models with other ops skip the numeric check). Every
config.pbtxt is parsed as protobuf text against a subset of Triton's
ModelConfig schema and cross-checked against the model's inputs/outputs.
"""

import argparse
import io
import os
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_REPO = REPO_ROOT / "model-repository"
TEST_REPO = REPO_ROOT / "server" / "src" / "test" / "resources" / "test-repository"
UNSUPPORTED_REPO = REPO_ROOT / "server" / "src" / "test" / "resources" / "unsupported-repository"
SEQUENCE_REPO = REPO_ROOT / "server" / "src" / "test" / "resources" / "sequence-repository"
PYTORCH_TEST_REPO = REPO_ROOT / "server" / "src" / "test" / "resources" / "pytorch-repository"
FAULTY_REPO = REPO_ROOT / "server" / "src" / "test" / "resources" / "faulty-repository"
DEFAULT_OUT = REPO_ROOT / "build" / "models"

OPSET = 13
IR_VERSION = 8
PRODUCER = "tensorline-make_models"
MAX_COMMITTED_FILE = 200 * 1024
MAX_COMMITTED_TOTAL = 1024 * 1024
HEADER = "# Generated by scripts/make_models.py -- do not edit by hand; rerun the script.\n"

# suffix -> (ONNX elem type, Triton config enum, numpy dtype)
TYPES = {
    "bool": (TensorProto.BOOL, "TYPE_BOOL", np.bool_),
    "int8": (TensorProto.INT8, "TYPE_INT8", np.int8),
    "int16": (TensorProto.INT16, "TYPE_INT16", np.int16),
    "int32": (TensorProto.INT32, "TYPE_INT32", np.int32),
    "int64": (TensorProto.INT64, "TYPE_INT64", np.int64),
    "uint8": (TensorProto.UINT8, "TYPE_UINT8", np.uint8),
    "uint16": (TensorProto.UINT16, "TYPE_UINT16", np.uint16),
    "uint32": (TensorProto.UINT32, "TYPE_UINT32", np.uint32),
    "uint64": (TensorProto.UINT64, "TYPE_UINT64", np.uint64),
    "fp16": (TensorProto.FLOAT16, "TYPE_FP16", np.float16),
    "fp32": (TensorProto.FLOAT, "TYPE_FP32", np.float32),
    "fp64": (TensorProto.DOUBLE, "TYPE_FP64", np.float64),
    "string": (TensorProto.STRING, "TYPE_STRING", object),
}
ONNX_TO_TRITON = {v[0]: v[1] for v in TYPES.values()}
ORT_JAVA_UNSUPPORTED = {"uint16", "uint32", "uint64"}
FP32 = TensorProto.FLOAT
INT64 = TensorProto.INT64


# --------------------------------------------------------------------------
# Output bookkeeping
# --------------------------------------------------------------------------

class Writer:
    """Writes files only when their content changes; records what it did."""

    def __init__(self, check_only=False):
        self.check_only = check_only
        self.records = []  # (path, size, status)
        self.stale = []

    def write(self, path, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        path = Path(path)
        old = path.read_bytes() if path.is_file() else None
        if old == data:
            status = "unchanged"
        elif self.check_only:
            status = "STALE" if old is not None else "MISSING"
            self.stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            status = "written" if old is None else "updated"
        self.records.append((path, len(data), status))

    def expect_absent(self, path):
        """A model that must have no config.pbtxt (auto-complete tests)."""
        path = Path(path)
        if path.exists():
            if self.check_only:
                self.stale.append(path)
                self.records.append((path, 0, "SHOULD NOT EXIST"))
            else:
                path.unlink()
                self.records.append((path, 0, "removed"))


def rel(path):
    try:
        return str(Path(path).relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# ONNX helpers
# --------------------------------------------------------------------------

def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def make_model(graph):
    model = helper.make_model(graph, producer_name=PRODUCER,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model


def scalar(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def add_sub_model(name, dim, plus_one=False):
    """OUTPUT0 = INPUT0 + INPUT1 (+1 when plus_one), OUTPUT1 = INPUT0 - INPUT1."""
    shape = ["batch", dim]
    nodes, inits = [], []
    if plus_one:
        nodes.append(helper.make_node("Add", ["INPUT0", "INPUT1"], ["sum"], name="add"))
        nodes.append(helper.make_node("Add", ["sum", "one"], ["OUTPUT0"], name="add_one"))
        inits.append(scalar("one", 1.0))
    else:
        nodes.append(helper.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"], name="add"))
    nodes.append(helper.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"], name="sub"))
    graph = helper.make_graph(
        nodes, name,
        [vi("INPUT0", FP32, shape), vi("INPUT1", FP32, shape)],
        [vi("OUTPUT0", FP32, shape), vi("OUTPUT1", FP32, shape)],
        initializer=inits)
    return make_model(graph)


def identity_model(name, elem):
    shape = ["batch", "n"]
    graph = helper.make_graph(
        [helper.make_node("Identity", ["INPUT0"], ["OUTPUT0"], name="identity")], name,
        [vi("INPUT0", elem, shape)], [vi("OUTPUT0", elem, shape)])
    return make_model(graph)


def elementwise_const_model(name, op, const, in_name, out_name, shape):
    graph = helper.make_graph(
        [helper.make_node(op, [in_name, "c"], [out_name], name=op.lower())], name,
        [vi(in_name, FP32, shape)], [vi(out_name, FP32, shape)],
        initializer=[scalar("c", const)])
    return make_model(graph)


def mlp_medium_model(hidden=1024, layers=4, seed=0):
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden)  # torch.nn.Linear default init range
    nodes, inits = [], []
    cur = "INPUT0"
    for i in range(layers):
        w = rng.uniform(-bound, bound, size=(hidden, hidden)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=(hidden,)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        last = i == layers - 1
        mm, out = f"mm{i}", ("OUTPUT0" if last else f"h{i}")
        nodes.append(helper.make_node("MatMul", [cur, f"w{i}"], [mm], name=f"matmul{i}"))
        if last:
            nodes.append(helper.make_node("Add", [mm, f"b{i}"], [out], name=f"bias{i}"))
        else:
            nodes.append(helper.make_node("Add", [mm, f"b{i}"], [f"pre{i}"], name=f"bias{i}"))
            nodes.append(helper.make_node("Relu", [f"pre{i}"], [out], name=f"relu{i}"))
        cur = out
    graph = helper.make_graph(
        nodes, "mlp_medium",
        [vi("INPUT0", FP32, ["batch", hidden])], [vi("OUTPUT0", FP32, ["batch", hidden])],
        initializer=inits)
    return make_model(graph)


# --------------------------------------------------------------------------
# Torch models
# --------------------------------------------------------------------------

def example_mlp():
    """The example MLP; the same weights for the ONNX and TorchScript copies."""
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    return model.eval()


def torch_to_onnx(module, example, in_name, out_name):
    import torch
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, example, buf, input_names=[in_name], output_names=[out_name],
                          dynamic_axes={in_name: {0: "batch"}, out_name: {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True)
    return onnx.load_from_string(buf.getvalue())


def torchscript_bytes(module, example):
    import torch
    with torch.no_grad():
        traced = torch.jit.trace(module, example)
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    return without_debug_info(buf.getvalue())


def without_debug_info(data):
    """A TorchScript archive without its code/*.debug_pkl records.

    Those hold source ranges with this script's absolute path and line numbers, so the bytes would change with the
    checkout's location and with any edit above a module's definition. libtorch loads archives without them (error
    messages then lack Python source lines). Rewritten with torch's own archive writer, record order kept.
    """
    import zipfile
    import torch
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    writer = torch._C.PyTorchFileWriter(out)
    for info in archive.infolist():
        if info.filename.endswith(".debug_pkl"):
            continue
        record = archive.read(info)
        writer.write_record(info.filename.split("/", 1)[1], record, len(record))
    writer.write_end_of_file()
    return out.getvalue()


# --------------------------------------------------------------------------
# config.pbtxt
# --------------------------------------------------------------------------

def tensor_block(tensors):
    parts = []
    for name, dtype, dims in tensors:
        parts.append("  {\n"
                     f"    name: \"{name}\"\n"
                     f"    data_type: {dtype}\n"
                     f"    dims: [ {', '.join(str(d) for d in dims)} ]\n"
                     "  }")
    return "[\n" + ",\n".join(parts) + "\n]\n"


def config_pbtxt(name, platform, max_batch_size, inputs, outputs, instance_count=None,
                 version_policy=None, dynamic_batching=False):
    text = HEADER
    text += f"name: \"{name}\"\n"
    text += f"platform: \"{platform}\"\n"
    text += f"max_batch_size: {max_batch_size}\n"
    if version_policy:
        text += f"version_policy: {version_policy}\n"
    text += "input " + tensor_block(inputs)
    text += "output " + tensor_block(outputs)
    if instance_count is not None:
        text += ("instance_group [\n  {\n"
                 f"    count: {instance_count}\n"
                 "    kind: KIND_CPU\n  }\n]\n")
    if dynamic_batching:
        text += "dynamic_batching { }\n"
    return text


_CONFIG_CLASS = None


def model_config_class():
    """A protobuf class for a subset of Triton's inference.ModelConfig."""
    global _CONFIG_CLASS
    if _CONFIG_CLASS is not None:
        return _CONFIG_CLASS
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(
        name="tensorline_model_config_subset.proto", package="inference", syntax="proto3")
    dt = fdp.enum_type.add(name="DataType")
    for i, n in enumerate(["TYPE_INVALID", "TYPE_BOOL", "TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32",
                           "TYPE_UINT64", "TYPE_INT8", "TYPE_INT16", "TYPE_INT32", "TYPE_INT64",
                           "TYPE_FP16", "TYPE_FP32", "TYPE_FP64", "TYPE_STRING", "TYPE_BF16"]):
        dt.value.add(name=n, number=i)

    def field(msg, name, number, ftype, repeated=False, type_name=None, oneof=None):
        f = msg.field.add(name=name, number=number, type=ftype,
                          label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
        if type_name:
            f.type_name = type_name
        if oneof is not None:
            f.oneof_index = oneof

    reshape = fdp.message_type.add(name="ModelTensorReshape")
    field(reshape, "shape", 1, F.TYPE_INT64, repeated=True)

    vp = fdp.message_type.add(name="ModelVersionPolicy")
    latest = vp.nested_type.add(name="Latest")
    field(latest, "num_versions", 1, F.TYPE_UINT32)
    vp.nested_type.add(name="All")
    specific = vp.nested_type.add(name="Specific")
    field(specific, "versions", 1, F.TYPE_INT64, repeated=True)
    vp.oneof_decl.add(name="policy_choice")
    field(vp, "latest", 1, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy.Latest", oneof=0)
    field(vp, "all", 2, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy.All", oneof=0)
    field(vp, "specific", 3, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy.Specific",
          oneof=0)

    mi = fdp.message_type.add(name="ModelInput")
    field(mi, "name", 1, F.TYPE_STRING)
    field(mi, "data_type", 2, F.TYPE_ENUM, type_name=".inference.DataType")
    field(mi, "dims", 4, F.TYPE_INT64, repeated=True)
    field(mi, "reshape", 5, F.TYPE_MESSAGE, type_name=".inference.ModelTensorReshape")
    field(mi, "is_shape_tensor", 6, F.TYPE_BOOL)
    field(mi, "allow_ragged_batch", 7, F.TYPE_BOOL)
    field(mi, "optional", 8, F.TYPE_BOOL)

    mo = fdp.message_type.add(name="ModelOutput")
    field(mo, "name", 1, F.TYPE_STRING)
    field(mo, "data_type", 2, F.TYPE_ENUM, type_name=".inference.DataType")
    field(mo, "dims", 3, F.TYPE_INT64, repeated=True)
    field(mo, "label_filename", 4, F.TYPE_STRING)
    field(mo, "reshape", 5, F.TYPE_MESSAGE, type_name=".inference.ModelTensorReshape")
    field(mo, "is_shape_tensor", 6, F.TYPE_BOOL)

    ig = fdp.message_type.add(name="ModelInstanceGroup")
    kind = ig.enum_type.add(name="Kind")
    for i, n in enumerate(["KIND_AUTO", "KIND_GPU", "KIND_CPU", "KIND_MODEL"]):
        kind.value.add(name=n, number=i)
    field(ig, "name", 1, F.TYPE_STRING)
    field(ig, "count", 2, F.TYPE_INT32)
    field(ig, "gpus", 3, F.TYPE_INT32, repeated=True)
    field(ig, "kind", 4, F.TYPE_ENUM, type_name=".inference.ModelInstanceGroup.Kind")

    db = fdp.message_type.add(name="ModelDynamicBatching")
    field(db, "preferred_batch_size", 1, F.TYPE_INT32, repeated=True)
    field(db, "max_queue_delay_microseconds", 2, F.TYPE_UINT64)
    field(db, "preserve_ordering", 3, F.TYPE_BOOL)

    mc = fdp.message_type.add(name="ModelConfig")
    field(mc, "name", 1, F.TYPE_STRING)
    field(mc, "platform", 2, F.TYPE_STRING)
    field(mc, "version_policy", 3, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy")
    field(mc, "max_batch_size", 4, F.TYPE_INT32)
    field(mc, "input", 5, F.TYPE_MESSAGE, repeated=True, type_name=".inference.ModelInput")
    field(mc, "output", 6, F.TYPE_MESSAGE, repeated=True, type_name=".inference.ModelOutput")
    field(mc, "instance_group", 7, F.TYPE_MESSAGE, repeated=True,
          type_name=".inference.ModelInstanceGroup")
    field(mc, "default_model_filename", 8, F.TYPE_STRING)
    field(mc, "dynamic_batching", 11, F.TYPE_MESSAGE, type_name=".inference.ModelDynamicBatching")
    field(mc, "backend", 17, F.TYPE_STRING)

    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    desc = pool.FindMessageTypeByName("inference.ModelConfig")
    if hasattr(message_factory, "GetMessageClass"):
        _CONFIG_CLASS = message_factory.GetMessageClass(desc)
    else:
        _CONFIG_CLASS = message_factory.MessageFactory(pool).GetPrototype(desc)
    return _CONFIG_CLASS


def parse_config(text):
    from google.protobuf import text_format
    return text_format.Parse(text, model_config_class()())


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------

def _np_gemm(ins, attrs):
    a, b = ins[0], ins[1]
    if attrs.get("transA", 0):
        a = a.T
    if attrs.get("transB", 0):
        b = b.T
    y = attrs.get("alpha", 1.0) * (a @ b)
    if len(ins) > 2 and ins[2] is not None:
        y = y + attrs.get("beta", 1.0) * ins[2]
    return y


MINI_OPS = {
    "Identity": lambda ins, attrs: ins[0].copy(),
    "Add": lambda ins, attrs: ins[0] + ins[1],
    "Sub": lambda ins, attrs: ins[0] - ins[1],
    "Mul": lambda ins, attrs: ins[0] * ins[1],
    "MatMul": lambda ins, attrs: ins[0] @ ins[1],
    "Relu": lambda ins, attrs: np.maximum(ins[0], 0).astype(ins[0].dtype),
    "Gemm": _np_gemm,
    "Gather": lambda ins, attrs: np.take(ins[0], ins[1], axis=attrs.get("axis", 0)),
}


def run_onnx(model, feeds):
    """Returns {output name: array}, or None when no evaluator can run the model."""
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
    except ImportError:
        ReferenceEvaluator = None
    out_names = [o.name for o in model.graph.output]
    if ReferenceEvaluator is not None:
        results = ReferenceEvaluator(model).run(None, feeds)
        return dict(zip(out_names, results))
    if any(n.op_type not in MINI_OPS or n.domain not in ("", "ai.onnx") for n in model.graph.node):
        return None
    env = dict(feeds)
    for init in model.graph.initializer:
        env[init.name] = numpy_helper.to_array(init)
    for node in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        env[node.output[0]] = np.asarray(MINI_OPS[node.op_type](ins, attrs))
    return {n: env[n] for n in out_names}


def io_signature(model):
    """[(name, onnx elem type, [dims: int or str])] for graph inputs and outputs."""
    def sig(values):
        out = []
        for v in values:
            t = v.type.tensor_type
            dims = [d.dim_param if d.HasField("dim_param") else
                    (d.dim_value if d.HasField("dim_value") else "?") for d in t.shape.dim]
            out.append((v.name, t.elem_type, dims))
        return out
    inits = {i.name for i in model.graph.initializer}
    return sig([i for i in model.graph.input if i.name not in inits]), sig(model.graph.output)


def fmt_sig(sig):
    return ", ".join(f"{n} {TensorProto.DataType.Name(t)} [{','.join(str(d) for d in dims)}]"
                     for n, t, dims in sig)


def check_config_against_model(cfg_text, model, name):
    cfg = parse_config(cfg_text)
    assert cfg.name == name, f"{name}: config name {cfg.name!r}"
    ins, outs = io_signature(model)
    mbs = cfg.max_batch_size
    for section, sig in (("input", ins), ("output", outs)):
        entries = list(getattr(cfg, section))
        assert sorted(e.name for e in entries) == sorted(n for n, _, _ in sig), \
            f"{name}: {section} names differ: config {[e.name for e in entries]} vs model {sig}"
        by_name = {n: (t, d) for n, t, d in sig}
        for e in entries:
            elem, dims = by_name[e.name]
            dtype_name = model_config_class().DESCRIPTOR.file.enum_types_by_name[
                "DataType"].values_by_number[e.data_type].name
            assert ONNX_TO_TRITON[elem] == dtype_name, f"{name}.{e.name}: {dtype_name} vs {elem}"
            model_dims = [d if isinstance(d, int) else -1 for d in dims]
            if mbs > 0:
                assert model_dims[0] == -1, f"{name}.{e.name}: batch dim not dynamic"
                model_dims = model_dims[1:]
            assert list(e.dims) == model_dims, f"{name}.{e.name}: dims {list(e.dims)} vs {dims}"
    return cfg


def verify_onnx(label, model, feeds=None, expected=None, rtol=1e-5, atol=1e-6):
    """checker + numeric run. expected: {output: array}. Returns a short status string."""
    onnx.checker.check_model(model, full_check=True)
    if feeds is None:
        return "checker ok"
    results = run_onnx(model, feeds)
    if results is None:
        return "checker ok, numerics skipped (no evaluator for these ops)"
    for out, want in expected.items():
        got = results[out]
        assert got.shape == want.shape, f"{label}.{out}: shape {got.shape} != {want.shape}"
        assert got.dtype == want.dtype, f"{label}.{out}: dtype {got.dtype} != {want.dtype}"
        if want.dtype == object or want.dtype == np.bool_ or np.issubdtype(want.dtype, np.integer):
            assert np.array_equal(got, want), f"{label}.{out}: values differ"
        else:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{label}.{out}")
    return "checker ok, numerics ok"


def sample(dtype, shape, rng):
    if dtype is object:
        return np.array([f"s{i}-é".encode("utf-8") for i in range(int(np.prod(shape)))],
                        dtype=object).reshape(shape)
    if dtype is np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return rng.standard_normal(shape).astype(dtype)


# --------------------------------------------------------------------------
# Model sets
# --------------------------------------------------------------------------

class Emitter:
    def __init__(self, writer):
        self.w = writer
        self.summary = []  # (model dir, description)

    def onnx_model(self, model_dir, version, model, feeds=None, expected=None):
        status = verify_onnx(f"{rel(model_dir)}/{version}", model, feeds, expected)
        self.w.write(Path(model_dir) / str(version) / "model.onnx", model.SerializeToString())
        ins, outs = io_signature(model)
        self.summary.append((f"{rel(model_dir)}/{version}/model.onnx",
                             f"in: {fmt_sig(ins)}; out: {fmt_sig(outs)}; {status}"))

    def config(self, model_dir, text, model=None):
        name = Path(model_dir).name
        cfg = parse_config(text)
        if model is not None:
            check_config_against_model(text, model, name)
        self.w.write(Path(model_dir) / "config.pbtxt", text)
        self.summary.append((f"{rel(model_dir)}/config.pbtxt",
                             f"platform {cfg.platform}, max_batch_size {cfg.max_batch_size}"))

    def no_config(self, model_dir):
        self.w.expect_absent(Path(model_dir) / "config.pbtxt")
        self.summary.append((f"{rel(model_dir)}/config.pbtxt", "intentionally absent"))


def add_sub_io(dim, batch, rng, plus_one=False):
    a = rng.standard_normal((batch, dim)).astype(np.float32)
    b = rng.standard_normal((batch, dim)).astype(np.float32)
    s = a + b + (np.float32(1) if plus_one else np.float32(0))
    return {"INPUT0": a, "INPUT1": b}, {"OUTPUT0": s, "OUTPUT1": a - b}


def add_sub_config(name, dim, version_policy=None, instance_count=None):
    io_ = [("INPUT0", "TYPE_FP32", [dim]), ("INPUT1", "TYPE_FP32", [dim])]
    oo = [("OUTPUT0", "TYPE_FP32", [dim]), ("OUTPUT1", "TYPE_FP32", [dim])]
    return config_pbtxt(name, "onnxruntime_onnx", 8, io_, oo, instance_count=instance_count,
                        version_policy=version_policy)


def build_example_repo(em):
    import torch
    rng = np.random.default_rng(0)
    # simple: Triton's add_sub with dims [16].
    d = EXAMPLE_REPO / "simple"
    model = add_sub_model("simple", 16)
    em.onnx_model(d, 1, model, *add_sub_io(16, 3, rng))
    em.config(d, add_sub_config("simple", 16, instance_count=1), model)

    # mlp: torch export, no config.pbtxt (auto-complete).
    d = EXAMPLE_REPO / "mlp"
    mlp = example_mlp()
    model = torch_to_onnx(mlp, torch.zeros(1, 4), "INPUT0", "OUTPUT0")
    x = rng.standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        want = mlp(torch.from_numpy(x)).numpy()
    em.onnx_model(d, 1, model, {"INPUT0": x}, {"OUTPUT0": want})
    em.no_config(d)
    mlp_onnx = model

    em.w.write(EXAMPLE_REPO / "README.md", EXAMPLE_README)
    return mlp_onnx


EXAMPLE_README = """\
# Example model repository

A tiny Triton-style model repository bundled with Tensorline
(`<repo>/<model>/config.pbtxt` + `<repo>/<model>/<version>/model.onnx`).
Every file here is generated; do not edit by hand. Regenerate with:

```
/usr/bin/python3 scripts/make_models.py
```

| model | platform | config.pbtxt | inputs | outputs |
|---|---|---|---|---|
| `simple` | onnxruntime_onnx | yes: `max_batch_size: 8`, 1 CPU instance | `INPUT0` FP32 [16], `INPUT1` FP32 [16] | `OUTPUT0` = INPUT0 + INPUT1 FP32 [16], `OUTPUT1` = INPUT0 - INPUT1 FP32 [16] |
| `mlp` | onnxruntime_onnx (auto-detected) | **none**: auto-completed by the server (max_batch_size > 0 from the dynamic batch dimension) | `INPUT0` FP32 [4] | `OUTPUT0` FP32 [3] |
| `mlp_torchscript` | pytorch_libtorch | yes: `max_batch_size: 8` (TorchScript carries no tensor names or shapes) | `INPUT__0` FP32 [4] | `OUTPUT__0` FP32 [3] |

Shapes are per batch item; the models in the table take a leading batch dimension
(ONNX shapes `[batch, 16]`, `[batch, 4]`, `[batch, 3]`).

`mlp` is `Linear(4,16) -> ReLU -> Linear(16,3)` with random weights
(`torch.manual_seed(0)`); `mlp_torchscript` is the same module traced with
`torch.jit.trace` (`model.pt`), and the script checks that the two agree
within 1e-5.

## `mlp_savedmodel` (TensorFlow)

The same `mlp` (same weights) as a TensorFlow SavedModel in
`mlp_savedmodel/1/model.savedmodel/` (platform `tensorflow_savedmodel`):
signature `serving_default`, input key `INPUT0` FP32 [-1,4], output key
`OUTPUT0` FP32 [-1,3]. Its config.pbtxt sets only the platform and
`max_batch_size: 8`; the server completes the inputs and outputs
(`INPUT0` FP32 [4], `OUTPUT0` FP32 [3]) from the signature.

TensorFlow for Python is not available here, so a Java tool using TF Java 1.1
(`engines/tensorflow/src/test/java/io/tensorline/engine/tensorflow/tools/ExportMlpSavedModel.java`)
builds the graph (MatMul+Add, Relu, MatMul+Add) from the weights this script
writes as JSON, saves it with `SavedModelBundle.exporter`, and checks the
result against torch's (within 1e-5). The same run re-exports the test
SavedModels in `server/src/test/resources/tensorflow-repository/`
(`ExportTestSavedModels`) and the TensorFlow sequence models in
`server/src/test/resources/sequence-repository/` (`ExportSequenceSavedModels`).
From the repository root:

```
/usr/bin/python3 scripts/make_models.py --mlp-weights-json build/mlp_weights.json
./mvnw -B -q -pl engines/tensorflow -am process-test-classes -Pexport-savedmodels
```

The SavedModels are written with deterministic protobuf serialization, so a
re-export gives the same bytes.

## `mlp_pipeline` (ensemble): `preprocess_scale` feeding `mlp`

`preprocess_scale` (ONNX, `max_batch_size: 8`) scales raw readings per feature,
`OUTPUT0 = (RAW - [10, 20, 30, 40]) / [2, 4, 5, 10]`. `mlp_pipeline` is an ensemble
(`platform: "ensemble"`, `max_batch_size: 4`, empty version folder `1/`) with two
steps: `RAW` goes into `preprocess_scale`, its `OUTPUT0` becomes the ensemble tensor
`scaled`, `scaled` goes into `mlp` as `INPUT0`, and `mlp`'s `OUTPUT0` is the ensemble
output `SCORES` FP32 [3]. Each step runs through its model's own scheduler, so both
models also serve on their own. Generated with `scripts/make_models.py --ensemble`.

One request through it (REST, server started with `./tensorline serve`):

```
curl -s localhost:8000/v2/models/mlp_pipeline/infer -d '{
  "inputs": [{"name": "RAW", "datatype": "FP32", "shape": [1, 4], "data": [12, 24, 35, 50]}]}'
```

The answer holds `SCORES` with shape `[1, 3]`: the same numbers as
`mlp` on the scaled features `[1, 1, 1, 1]`:

```
curl -s localhost:8000/v2/models/mlp/infer -d '{
  "inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [1, 4], "data": [1, 1, 1, 1]}]}'
```

`server/src/test/java/io/tensorline/server/e2e/EnsembleEndToEndTest.java` checks
exactly that over gRPC.
"""


GATHER_TABLE = np.arange(8, dtype=np.float32) * np.float32(10) + np.float32(0.5)


def gather_lookup_model():
    """OUTPUT0[b, 0] = TABLE[INPUT0[b, 0]]: fails at run time on an out-of-range index."""
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "INPUT0"], ["OUTPUT0"], name="lookup", axis=0)], "gather_lookup",
        [vi("INPUT0", INT64, ["batch", 1])], [vi("OUTPUT0", FP32, ["batch", 1])],
        initializer=[numpy_helper.from_array(GATHER_TABLE, "table")])
    return make_model(graph)


def build_faulty_repo(em):
    d = FAULTY_REPO / "gather_lookup"
    model = gather_lookup_model()
    idx = np.array([[3], [0], [7]], dtype=np.int64)
    em.onnx_model(d, 1, model, {"INPUT0": idx}, {"OUTPUT0": GATHER_TABLE[idx]})
    cfg = config_pbtxt("gather_lookup", "onnxruntime_onnx", 16, [("INPUT0", "TYPE_INT64", [1])],
                       [("OUTPUT0", "TYPE_FP32", [1])])
    cfg += ("dynamic_batching {\n  preferred_batch_size: [ 8 ]\n"
            "  max_queue_delay_microseconds: 30000000\n}\n")
    em.config(d, cfg, model)


def build_test_repo(em):
    rng = np.random.default_rng(1)
    for suffix, (elem, triton, dtype) in TYPES.items():
        name = f"identity_{suffix}"
        # ONNX Runtime's Java API has no UINT16/32/64 tensors: these models live apart and are used to check that
        # loading them fails with a clear reason instead of failing at the first request.
        d = (UNSUPPORTED_REPO if suffix in ORT_JAVA_UNSUPPORTED else TEST_REPO) / name
        model = identity_model(name, elem)
        x = sample(dtype, (2, 3), rng)
        em.onnx_model(d, 1, model, {"INPUT0": x}, {"OUTPUT0": x})
        em.config(d, config_pbtxt(name, "onnxruntime_onnx", 8, [("INPUT0", triton, [-1])],
                                  [("OUTPUT0", triton, [-1])]), model)

    # add_sub_latest holds byte-identical copies of add_sub's two versions.
    v1 = add_sub_model("add_sub", 4)
    v2 = add_sub_model("add_sub", 4, plus_one=True)
    for name, policy in (("add_sub", "{ all { } }"), ("add_sub_latest", None)):
        d = TEST_REPO / name
        em.onnx_model(d, 1, v1, *add_sub_io(4, 2, rng))
        em.onnx_model(d, 2, v2, *add_sub_io(4, 2, rng, plus_one=True))
        em.config(d, add_sub_config(name, 4, version_policy=policy), v1)
        check_config_against_model(add_sub_config(name, 4, version_policy=policy), v2, name)

    d = TEST_REPO / "autocomplete_nobatch"
    x = rng.standard_normal((2, 3)).astype(np.float32)
    em.onnx_model(d, 1, elementwise_const_model("autocomplete_nobatch", "Mul", 2.0, "x", "y", [2, 3]),
                  {"x": x}, {"y": x * np.float32(2)})
    em.no_config(d)

    d = TEST_REPO / "autocomplete_batch"
    x = rng.standard_normal((4, 3)).astype(np.float32)
    em.onnx_model(d, 1, elementwise_const_model("autocomplete_batch", "Add", 1.0, "x", "y",
                                                ["batch", 3]),
                  {"x": x}, {"y": x + np.float32(1)})
    em.no_config(d)

    d = TEST_REPO / "nobatch_fixed"
    model = elementwise_const_model("nobatch_fixed", "Mul", 3.0, "INPUT0", "OUTPUT0", [2, 2])
    x = rng.standard_normal((2, 2)).astype(np.float32)
    em.onnx_model(d, 1, model, {"INPUT0": x}, {"OUTPUT0": x * np.float32(3)})
    em.config(d, config_pbtxt("nobatch_fixed", "onnxruntime_onnx", 0,
                              [("INPUT0", "TYPE_FP32", [2, 2])],
                              [("OUTPUT0", "TYPE_FP32", [2, 2])]), model)

    d = TEST_REPO / "multi_instance"
    model = identity_model("multi_instance", FP32)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    em.onnx_model(d, 1, model, {"INPUT0": x}, {"OUTPUT0": x})
    em.config(d, config_pbtxt("multi_instance", "onnxruntime_onnx", 8,
                              [("INPUT0", "TYPE_FP32", [-1])], [("OUTPUT0", "TYPE_FP32", [-1])],
                              instance_count=2), model)


CLASSIFIER_LABELS = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead"]


def classifier_model(name, features, classes, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((features, classes)).astype(np.float32)
    b = rng.standard_normal((classes,)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["INPUT0", "W", "B"], ["OUTPUT0"], name="logits")], name,
        [vi("INPUT0", FP32, ["batch", features])], [vi("OUTPUT0", FP32, ["batch", classes])],
        initializer=[numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    return make_model(graph), w, b


def build_classifier(em):
    d = TEST_REPO / "classifier"
    model, w, b = classifier_model("classifier", 8, len(CLASSIFIER_LABELS), 7)
    x = np.random.default_rng(8).standard_normal((2, 8)).astype(np.float32)
    em.onnx_model(d, 1, model, {"INPUT0": x}, {"OUTPUT0": x @ w + b})
    text = config_pbtxt("classifier", "onnxruntime_onnx", 8, [("INPUT0", "TYPE_FP32", [8])],
                        [("OUTPUT0", "TYPE_FP32", [len(CLASSIFIER_LABELS)])])
    text = text.replace("    dims: [ 5 ]\n", "    dims: [ 5 ]\n    label_filename: \"labels.txt\"\n")
    em.config(d, text, model)
    em.w.write(d / "labels.txt", "".join(label + "\n" for label in CLASSIFIER_LABELS))


# --------------------------------------------------------------------------
# Sequence models (sequence_batching): written by the default run and by --sequence
# --------------------------------------------------------------------------

def accumulator_model(name):
    """OUTPUT = STATE_IN + INPUT and STATE_OUT = OUTPUT: a running sum when the server feeds the state back."""
    shape = ["batch", 1]
    graph = helper.make_graph(
        [helper.make_node("Add", ["STATE_IN", "INPUT"], ["OUTPUT"], name="add"),
         helper.make_node("Identity", ["OUTPUT"], ["STATE_OUT"], name="state")], name,
        [vi("INPUT", TensorProto.INT32, shape), vi("STATE_IN", TensorProto.INT32, shape)],
        [vi("OUTPUT", TensorProto.INT32, shape), vi("STATE_OUT", TensorProto.INT32, shape)])
    return make_model(graph)


def sequence_controls_model(name):
    """OUTPUT = INPUT + 1000*START(fp32) + 100*END(bool) + 10*READY(int32); CORRID_OUT = CORRID (int64).
    No batch dimension: control tensors are shaped [1]."""
    shape = [1]
    nodes = [
        helper.make_node("Cast", ["START"], ["start_i"], to=TensorProto.INT32, name="cast_start"),
        helper.make_node("Cast", ["END"], ["end_i"], to=TensorProto.INT32, name="cast_end"),
        helper.make_node("Mul", ["start_i", "k1000"], ["s"], name="mul_start"),
        helper.make_node("Mul", ["end_i", "k100"], ["e"], name="mul_end"),
        helper.make_node("Mul", ["READY", "k10"], ["r"], name="mul_ready"),
        helper.make_node("Add", ["INPUT", "s"], ["a1"], name="add1"),
        helper.make_node("Add", ["a1", "e"], ["a2"], name="add2"),
        helper.make_node("Add", ["a2", "r"], ["OUTPUT"], name="add3"),
        helper.make_node("Identity", ["CORRID"], ["CORRID_OUT"], name="corrid"),
    ]
    inits = [numpy_helper.from_array(np.array(v, dtype=np.int32), n)
             for n, v in (("k1000", 1000), ("k100", 100), ("k10", 10))]
    graph = helper.make_graph(
        nodes, name,
        [vi("INPUT", TensorProto.INT32, shape), vi("START", FP32, shape), vi("END", TensorProto.BOOL, shape),
         vi("READY", TensorProto.INT32, shape), vi("CORRID", TensorProto.INT64, shape)],
        [vi("OUTPUT", TensorProto.INT32, shape), vi("CORRID_OUT", TensorProto.INT64, shape)],
        initializer=inits)
    return make_model(graph)


def sequence_config(name, max_batch_size, outputs, body, instance_count=1):
    text = HEADER + f'name: "{name}"\nplatform: "onnxruntime_onnx"\nmax_batch_size: {max_batch_size}\n'
    text += "input " + tensor_block([("INPUT", "TYPE_INT32", [1])])
    text += "output " + tensor_block(outputs)
    text += f"instance_group [ {{ count: {instance_count} kind: KIND_CPU }} ]\n"
    return text + "sequence_batching {\n" + body + "}\n"


ACCUMULATOR_STATE = """  state [ {
    input_name: "STATE_IN"
    output_name: "STATE_OUT"
    data_type: TYPE_INT32
    dims: [ 1 ]
    initial_state { data_type: TYPE_INT32 dims: [ 1 ] %s name: "initial" }
  } ]
"""


def torchscript_sequence_modules():
    """The TorchScript accumulators: one fed its running sum as implicit state, one keeping its own per sequence."""
    import torch
    from typing import Dict, Tuple

    class StateAccumulator(torch.nn.Module):
        def forward(self, x: torch.Tensor, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
            total = x + state
            return total, total

    class CorridAccumulator(torch.nn.Module):
        """Keeps a running sum per correlation id in a module attribute, as a stateful model without implicit
        state does: START resets the id's sum, END forgets it. Control inputs are [B, 1]."""
        sums: Dict[int, int]

        def __init__(self):
            super().__init__()
            self.sums = {}

        def forward(self, x: torch.Tensor, start: torch.Tensor, end: torch.Tensor,
                    corrid: torch.Tensor) -> torch.Tensor:
            out = torch.zeros_like(x)
            for i in range(x.size(0)):
                key = int(corrid[i, 0].item())
                total = 0 if bool(start[i, 0].item() != 0) else self.sums.get(key, 0)
                total = total + int(x[i, 0].item())
                out[i, 0] = total
                if bool(end[i, 0].item() != 0):
                    self.sums.pop(key, 0)
                else:
                    self.sums[key] = total
            return out

    return torch.jit.script(StateAccumulator().eval()), torch.jit.script(CorridAccumulator().eval())


PT_SEQUENCE_CONFIG = HEADER + """name: "%s"
platform: "pytorch_libtorch"
max_batch_size: 4
input [ { name: "INPUT__0" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "OUTPUT__0" data_type: TYPE_INT32 dims: [ 1 ] } ]
instance_group [ { count: 1 kind: KIND_CPU } ]
sequence_batching {
  max_sequence_idle_microseconds: 5000000
%s}
"""


def build_torchscript_sequence_models(em):
    """accumulator_pt (implicit state STATE_IN__1 -> STATE_OUT__1; Triton's PyTorch backend wants every input,
    output and state named <name>__<index>) and accumulator_pt_corrid (no implicit state: START__1, END__2 and
    CORRID__3 control inputs, the sums kept by the model)."""
    import torch
    state_acc, corrid_acc = torchscript_sequence_modules()
    d = SEQUENCE_REPO / "accumulator_pt"
    data = scripted_bytes(state_acc)
    x = torch.tensor([[3], [-4]], dtype=torch.int32)
    st = torch.tensor([[10], [20]], dtype=torch.int32)
    loaded = torch.jit.load(io.BytesIO(data))
    got = loaded(x, st)
    assert torch.equal(got[0], x + st) and torch.equal(got[1], x + st), "accumulator_pt"
    em.w.write(d / "1" / "model.pt", data)
    em.summary.append((f"{rel(d)}/1/model.pt", "TorchScript (x, state) -> (x + state, x + state); checked"))
    text = PT_SEQUENCE_CONFIG % ("accumulator_pt", """  direct { }
  state [ {
    input_name: "STATE_IN__1"
    output_name: "STATE_OUT__1"
    data_type: TYPE_INT32
    dims: [ 1 ]
    initial_state { data_type: TYPE_INT32 dims: [ 1 ] zero_data: true name: "initial" }
  } ]
""")
    em.w.write(d / "config.pbtxt", text)

    d = SEQUENCE_REPO / "accumulator_pt_corrid"
    data = scripted_bytes(corrid_acc)
    loaded = torch.jit.load(io.BytesIO(data))
    one = torch.ones(2, 1, dtype=torch.int32)
    zero = torch.zeros(2, 1, dtype=torch.int32)
    ids = torch.tensor([[7], [8]], dtype=torch.int64)
    assert torch.equal(loaded(x, one, zero, ids), x)
    assert torch.equal(loaded(x, zero, one, ids), 2 * x), "the sums are kept between calls"
    assert torch.equal(loaded(x, zero, zero, ids), x), "END forgot them"
    em.w.write(d / "1" / "model.pt", data)
    em.summary.append((f"{rel(d)}/1/model.pt", "TorchScript running sum per CORRID kept by the model; checked"))
    text = PT_SEQUENCE_CONFIG % ("accumulator_pt_corrid", """  direct { }
  control_input [
    { name: "START__1" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
    { name: "END__2" control [ { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] },
    { name: "CORRID__3" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64 } ] }
  ]
""")
    em.w.write(d / "config.pbtxt", text)


def lookup_accumulator_model(name):
    """OUTPUT = STATE_OUT = STATE_IN + TABLE[INPUT], TABLE = [0, 10, ..., 70]: an index outside [-8, 7] makes ONNX
    Runtime fail the execution, so a sequence can have a request fail in the engine in its middle."""
    shape = ["batch", 1]
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "INPUT"], ["looked_up"], axis=0, name="lookup"),
         helper.make_node("Add", ["STATE_IN", "looked_up"], ["OUTPUT"], name="add"),
         helper.make_node("Identity", ["OUTPUT"], ["STATE_OUT"], name="state")], name,
        [vi("INPUT", TensorProto.INT32, shape), vi("STATE_IN", TensorProto.INT32, shape)],
        [vi("OUTPUT", TensorProto.INT32, shape), vi("STATE_OUT", TensorProto.INT32, shape)],
        initializer=[numpy_helper.from_array(np.arange(0, 80, 10, dtype=np.int32), "table")])
    return make_model(graph)


def build_sequence_repo(em):
    rng = np.random.default_rng(3)
    x = rng.integers(-50, 50, (3, 1)).astype(np.int32)
    st = rng.integers(-50, 50, (3, 1)).astype(np.int32)
    acc = accumulator_model("accumulator")
    d = SEQUENCE_REPO / "accumulator"
    em.onnx_model(d, 1, acc, {"INPUT": x, "STATE_IN": st}, {"OUTPUT": x + st, "STATE_OUT": x + st})
    em.w.write(d / "config.pbtxt", sequence_config(
        "accumulator", 8, [("OUTPUT", "TYPE_INT32", [1])],
        "  max_sequence_idle_microseconds: 5000000\n  direct { }\n" + ACCUMULATOR_STATE % "zero_data: true"))

    d = SEQUENCE_REPO / "accumulator_oldest"
    em.onnx_model(d, 1, accumulator_model("accumulator_oldest"), {"INPUT": x, "STATE_IN": st},
                  {"OUTPUT": x + st, "STATE_OUT": x + st})
    em.w.write(d / "initial_state" / "hundred", np.array([100], dtype="<i4").tobytes())
    em.w.write(d / "config.pbtxt", sequence_config(
        "accumulator_oldest", 4, [("OUTPUT", "TYPE_INT32", [1]), ("STATE_OUT", "TYPE_INT32", [1])],
        "  oldest { max_candidate_sequences: 8 preferred_batch_size: [ 2, 4 ] }\n"
        + ACCUMULATOR_STATE % 'data_file: "hundred"', instance_count=2))

    d = SEQUENCE_REPO / "sequence_controls"
    inp = np.array([7], dtype=np.int32)
    feeds = {"INPUT": inp, "START": np.array([1], dtype=np.float32), "END": np.array([False]),
             "READY": np.array([1], dtype=np.int32), "CORRID": np.array([42], dtype=np.int64)}
    em.onnx_model(d, 1, sequence_controls_model("sequence_controls"), feeds,
                  {"OUTPUT": np.array([1017], dtype=np.int32), "CORRID_OUT": np.array([42], dtype=np.int64)})
    controls = """  control_input [
    { name: "START" control [ { kind: CONTROL_SEQUENCE_START fp32_false_true: [ 0, 1 ] } ] },
    { name: "END" control [ { kind: CONTROL_SEQUENCE_END bool_false_true: [ false, true ] } ] },
    { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] },
    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64 } ] }
  ]
"""
    em.w.write(d / "config.pbtxt", sequence_config(
        "sequence_controls", 0, [("OUTPUT", "TYPE_INT32", [1]), ("CORRID_OUT", "TYPE_INT64", [1])], controls))
    d = SEQUENCE_REPO / "sequence_lookup"
    idx = np.array([[1], [7], [0]], dtype=np.int32)
    em.onnx_model(d, 1, lookup_accumulator_model("sequence_lookup"), {"INPUT": idx, "STATE_IN": st},
                  {"OUTPUT": st + 10 * idx, "STATE_OUT": st + 10 * idx})
    em.w.write(d / "config.pbtxt", sequence_config(
        "sequence_lookup", 1, [("OUTPUT", "TYPE_INT32", [1])],
        "  max_sequence_idle_microseconds: 5000000\n  direct { }\n" + ACCUMULATOR_STATE % "zero_data: true"))
    build_torchscript_sequence_models(em)


# --------------------------------------------------------------------------
# Ensemble example: preprocess_scale feeding the mlp (--ensemble, and the default run)
# --------------------------------------------------------------------------

PREPROCESS_MEAN = [10.0, 20.0, 30.0, 40.0]
PREPROCESS_STD = [2.0, 4.0, 5.0, 10.0]


def preprocess_scale_model():
    """OUTPUT0 = (RAW - mean) / std per feature: raw readings scaled into the range the mlp was made for."""
    shape = ["batch", 4]
    graph = helper.make_graph(
        [helper.make_node("Sub", ["RAW", "mean"], ["centred"], name="centre"),
         helper.make_node("Div", ["centred", "std"], ["OUTPUT0"], name="scale")], "preprocess_scale",
        [vi("RAW", FP32, shape)], [vi("OUTPUT0", FP32, shape)],
        initializer=[numpy_helper.from_array(np.array(PREPROCESS_MEAN, dtype=np.float32), "mean"),
                     numpy_helper.from_array(np.array(PREPROCESS_STD, dtype=np.float32), "std")])
    return make_model(graph)


MLP_PIPELINE_CONFIG = HEADER + """name: "mlp_pipeline"
platform: "ensemble"
max_batch_size: 4
input [ { name: "RAW" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "SCORES" data_type: TYPE_FP32 dims: [ 3 ] } ]
ensemble_scheduling {
  step [
    {
      model_name: "preprocess_scale"
      model_version: -1
      input_map { key: "RAW" value: "RAW" }
      output_map { key: "OUTPUT0" value: "scaled" }
    },
    {
      model_name: "mlp"
      model_version: -1
      input_map { key: "INPUT0" value: "scaled" }
      output_map { key: "OUTPUT0" value: "SCORES" }
    }
  ]
}
"""


def build_ensemble_example(em):
    d = EXAMPLE_REPO / "preprocess_scale"
    raw = np.array([[12, 24, 35, 50], [10, 20, 30, 40]], dtype=np.float32)
    scaled = (raw - np.array(PREPROCESS_MEAN, dtype=np.float32)) / np.array(PREPROCESS_STD, dtype=np.float32)
    em.onnx_model(d, 1, preprocess_scale_model(), {"RAW": raw}, {"OUTPUT0": scaled})
    em.w.write(d / "config.pbtxt", config_pbtxt("preprocess_scale", "onnxruntime_onnx", 8,
                                                [("RAW", "TYPE_FP32", [4])], [("OUTPUT0", "TYPE_FP32", [4])]))
    d = EXAMPLE_REPO / "mlp_pipeline"
    em.w.write(d / "config.pbtxt", MLP_PIPELINE_CONFIG)
    em.w.write(d / "1" / ".gitkeep", "")


# suffix -> (torch dtype name, Triton config enum): the types Tensorline's PyTorch engine carries. TorchScript has
# no string tensors, and DJL 0.35's PyTorch bridge cannot create int16, bfloat16 or uint16/32/64 tensors.
PT_TYPES = {
    "bool": ("bool", "TYPE_BOOL"),
    "uint8": ("uint8", "TYPE_UINT8"),
    "int8": ("int8", "TYPE_INT8"),
    "int32": ("int32", "TYPE_INT32"),
    "int64": ("int64", "TYPE_INT64"),
    "fp16": ("float16", "TYPE_FP16"),
    "fp32": ("float32", "TYPE_FP32"),
    "fp64": ("float64", "TYPE_FP64"),
}


def torchscript_modules():
    """Scripted test modules. Defined here so that importing this script does not need torch."""
    import torch
    from typing import Tuple

    class AddSub(torch.nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
            return a + b, a - b

    class Identity(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    class Transpose(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.t()  # a view: not contiguous

    class InPlace(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x.mul_(2)  # changes the input's data
            x.unsqueeze_(0)  # and its shape
            return x.squeeze(0)

    class GradMode(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 0 + float(torch.is_grad_enabled())

    return (torch.jit.script(AddSub().eval()), torch.jit.script(Identity().eval()),
            torch.jit.script(Transpose().eval()), torch.jit.script(InPlace().eval()),
            torch.jit.script(GradMode().eval()))


def scripted_bytes(scripted):
    import torch
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    return without_debug_info(buf.getvalue())


def torch_sample(dtype_name, shape, generator):
    import torch
    dtype = getattr(torch, dtype_name)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    if dtype.is_floating_point:
        return torch.randn(shape, generator=generator).to(dtype)
    info = torch.iinfo(dtype)
    return torch.randint(info.min, info.max, shape, generator=generator, dtype=torch.int64).to(dtype)


def check_torchscript(label, data, config_text, feeds, expected):
    """Loads saved TorchScript back, checks config.pbtxt against forward()'s arity and runs it on feeds."""
    import torch
    cfg = parse_config(config_text)
    loaded = torch.jit.load(io.BytesIO(data))
    arity = len(loaded.forward.schema.arguments) - 1  # without self
    assert arity == len(cfg.input), f"{label}: forward takes {arity} tensors, config declares {len(cfg.input)}"
    with torch.no_grad():
        got = loaded(*feeds)
    got = list(got) if isinstance(got, (tuple, list)) else [got]
    assert len(got) == len(cfg.output), f"{label}: {len(got)} outputs, config declares {len(cfg.output)}"
    for i, (g, w) in enumerate(zip(got, expected)):
        assert g.dtype == w.dtype and g.shape == w.shape, f"{label}.OUTPUT__{i}: {g.dtype}{list(g.shape)}"
        torch.testing.assert_close(g, w, rtol=0, atol=0, msg=f"{label}.OUTPUT__{i}")


def build_torchscript_models(em):
    """model-repository/mlp_torchscript and the PyTorch test repository; returns the mlp's TorchScript bytes.

    Runs before any other torch work in the process: TorchScript mangles a type's name when a type of the same name
    was already compiled (``___torch_mangle_N``), so the saved bytes depend on what the process traced before.
    """
    import torch
    d = EXAMPLE_REPO / "mlp_torchscript"
    mlp = example_mlp()
    data = torchscript_bytes(mlp, torch.zeros(1, 4))
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        want = mlp(x)
    text = config_pbtxt("mlp_torchscript", "pytorch_libtorch", 8,
                        [("INPUT__0", "TYPE_FP32", [4])], [("OUTPUT__0", "TYPE_FP32", [3])])
    check_torchscript("mlp_torchscript", data, text, [x], [want])
    em.w.write(d / "1" / "model.pt", data)
    em.summary.append((f"{rel(d)}/1/model.pt",
                       "TorchScript; in: INPUT__0 FP32 [batch,4]; out: OUTPUT__0 FP32 [batch,3]; "
                       "matches eager"))
    em.config(d, text)

    gen = torch.Generator().manual_seed(5)
    add_sub, identity, transpose, in_place, grad_mode = torchscript_modules()
    d = PYTORCH_TEST_REPO / "add_sub_pt"
    add_sub_data = scripted_bytes(add_sub)
    a, b = torch.randn(3, 4, generator=gen), torch.randn(3, 4, generator=gen)
    text = config_pbtxt("add_sub_pt", "pytorch_libtorch", 8,
                        [("INPUT__0", "TYPE_FP32", [4]), ("INPUT__1", "TYPE_FP32", [4])],
                        [("OUTPUT__0", "TYPE_FP32", [4]), ("OUTPUT__1", "TYPE_FP32", [4])])
    check_torchscript("add_sub_pt", add_sub_data, text, [a, b], [a + b, a - b])
    em.w.write(d / "1" / "model.pt", add_sub_data)
    em.summary.append((f"{rel(d)}/1/model.pt", "TorchScript; (a, b) -> (a + b, a - b); checked"))
    em.config(d, text)

    identity_data = scripted_bytes(identity)
    for suffix, (dtype_name, triton) in PT_TYPES.items():
        name = f"identity_pt_{suffix}"
        d = PYTORCH_TEST_REPO / name
        x = torch_sample(dtype_name, (2, 3), gen)
        text = config_pbtxt(name, "pytorch_libtorch", 8, [("INPUT__0", triton, [-1])],
                            [("OUTPUT__0", triton, [-1])])
        check_torchscript(name, identity_data, text, [x], [x])
        em.w.write(d / "1" / "model.pt", identity_data)
        em.summary.append((f"{rel(d)}/1/model.pt", f"TorchScript identity, {dtype_name}; checked"))
        em.config(d, text)

    d = PYTORCH_TEST_REPO / "transpose_pt"
    transpose_data = scripted_bytes(transpose)
    x = torch.randn(2, 3, generator=gen)
    text = config_pbtxt("transpose_pt", "pytorch_libtorch", 0, [("INPUT__0", "TYPE_FP32", [2, 3])],
                        [("OUTPUT__0", "TYPE_FP32", [3, 2])])
    check_torchscript("transpose_pt", transpose_data, text, [x], [x.t()])
    em.w.write(d / "1" / "model.pt", transpose_data)
    em.summary.append((f"{rel(d)}/1/model.pt", "TorchScript x.t(), a non-contiguous result; checked"))
    em.config(d, text)

    d = PYTORCH_TEST_REPO / "inplace_pt"
    in_place_data = scripted_bytes(in_place)
    x = torch.randn(2, 3, generator=gen)
    text = config_pbtxt("inplace_pt", "pytorch_libtorch", 8, [("INPUT__0", "TYPE_FP32", [-1])],
                        [("OUTPUT__0", "TYPE_FP32", [-1])])
    check_torchscript("inplace_pt", in_place_data, text, [x.clone()], [x * 2])
    em.w.write(d / "1" / "model.pt", in_place_data)
    em.summary.append((f"{rel(d)}/1/model.pt", "TorchScript: doubles its input and unsqueezes it in place, "
                       "returns 2x; checked"))
    em.config(d, text)

    d = PYTORCH_TEST_REPO / "grad_mode_pt"
    grad_mode_data = scripted_bytes(grad_mode)
    x = torch.randn(2, 3, generator=gen)
    text = config_pbtxt("grad_mode_pt", "pytorch_libtorch", 8, [("INPUT__0", "TYPE_FP32", [-1])],
                        [("OUTPUT__0", "TYPE_FP32", [-1])])
    check_torchscript("grad_mode_pt", grad_mode_data, text, [x], [torch.zeros(2, 3)])  # runs under no_grad
    em.w.write(d / "1" / "model.pt", grad_mode_data)
    em.summary.append((f"{rel(d)}/1/model.pt", "TorchScript: 1.0 where autograd is on, 0.0 where off; checked"))
    em.config(d, text)
    return data


def check_mlp_copies_agree(onnx_model, torchscript_data):
    """The ONNX and TorchScript copies of the example mlp give the same outputs (within 1e-5)."""
    import torch
    x = np.random.default_rng(7).standard_normal((5, 4)).astype(np.float32)
    onnx_out = run_onnx(onnx_model, {"INPUT0": x})
    if onnx_out is None:
        return "no ONNX evaluator for the mlp's ops; agreement not checked"
    with torch.no_grad():
        ts_out = torch.jit.load(io.BytesIO(torchscript_data))(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ts_out, onnx_out["OUTPUT0"], rtol=1e-5, atol=1e-5,
                               err_msg="mlp (ONNX) and mlp_torchscript disagree")
    return "mlp and mlp_torchscript agree within 1e-5"


def write_mlp_weights_json(em, path):
    """The example mlp's weights as JSON, torch layout (weight is [out, in]), float32 values written exactly.

    {"layers": [{"weight": [[...]], "bias": [...]}, ...], "activations": ["relu", null],
     "check": {"input": [[...]], "output": [[...]]}} -- "check" is a batch and the eager torch result, so the
    exporter can verify what it built.
    """
    import json
    import torch
    mlp = example_mlp()
    layers = [m for m in mlp if isinstance(m, torch.nn.Linear)]
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        y = mlp(x)

    def exact(t):  # repr of the float32 value widened to double parses back to the same float32
        return [exact(v) for v in t] if t.dim() > 0 else float(t.item())

    doc = {
        "layers": [{"weight": exact(l.weight.detach()), "bias": exact(l.bias.detach())} for l in layers],
        "activations": ["relu", None],
        "check": {"input": exact(x), "output": exact(y)},
    }
    em.w.write(Path(path), json.dumps(doc, indent=1) + "\n")
    em.summary.append((rel(path), "mlp weights (Linear(4,16), ReLU, Linear(16,3), seed 0) as JSON"))


def build_mlp_medium(em, out):
    d = Path(out) / "mlp_medium"
    model = mlp_medium_model()
    x = np.random.default_rng(3).standard_normal((2, 1024)).astype(np.float32)
    h = x
    for i in range(4):
        w = numpy_helper.to_array(model.graph.initializer[2 * i])
        b = numpy_helper.to_array(model.graph.initializer[2 * i + 1])
        h = h @ w + b
        if i < 3:
            h = np.maximum(h, 0)
    em.onnx_model(d, 1, model, {"INPUT0": x}, {"OUTPUT0": h.astype(np.float32)})
    em.config(d, config_pbtxt("mlp_medium", "onnxruntime_onnx", 64,
                              [("INPUT0", "TYPE_FP32", [1024])], [("OUTPUT0", "TYPE_FP32", [1024])],
                              dynamic_batching=True), model)


def build_resnet50(em, out):
    import torch
    import torchvision
    torch.manual_seed(0)
    net = torchvision.models.resnet50(weights=None).eval()
    example = torch.zeros(1, 3, 224, 224)
    inputs = [("INPUT__0", "TYPE_FP32", [3, 224, 224])]
    outputs = [("OUTPUT__0", "TYPE_FP32", [1000])]

    d = Path(out) / "resnet50_onnx"
    model = torch_to_onnx(net, example, "INPUT__0", "OUTPUT__0")
    em.onnx_model(d, 1, model)  # numerics: too many ops for the fallback evaluator
    em.config(d, config_pbtxt("resnet50_onnx", "onnxruntime_onnx", 32, inputs, outputs), model)

    d = Path(out) / "resnet50_torchscript"
    data = torchscript_bytes(net, example)
    loaded = torch.jit.load(io.BytesIO(data))
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), rtol=1e-4, atol=1e-4)
    em.w.write(d / "1" / "model.pt", data)
    em.summary.append((f"{rel(d)}/1/model.pt",
                       "TorchScript; in: INPUT__0 FP32 [batch,3,224,224]; "
                       "out: OUTPUT__0 FP32 [batch,1000]; matches eager"))
    em.config(d, config_pbtxt("resnet50_torchscript", "pytorch_libtorch", 32, inputs, outputs))


def ensure_gitignore():
    path = REPO_ROOT / ".gitignore"
    lines = path.read_text().splitlines() if path.exists() else []
    if any(l.strip() in ("build/", "/build/", "build", "/build") for l in lines):
        return
    text = path.read_text() if path.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "build/\n")


def check_committed_sizes(writer, roots):
    total = 0
    for path, size, _ in writer.records:
        if any(Path(root) in Path(path).parents for root in roots):
            assert size < MAX_COMMITTED_FILE, f"{rel(path)} is {size} bytes (limit 200 KB)"
            total += size
    assert total < MAX_COMMITTED_TOTAL, f"committed models total {total} bytes (limit 1 MB)"
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Generate Tensorline's example and test models (deterministic, idempotent). "
                    "With no flags, regenerates the committed models under model-repository/ and "
                    "server/src/test/resources/{test,unsupported,pytorch}-repository/.",
        epilog="Use /usr/bin/python3 (Debian python3-torch, python3-onnx, python3-torchvision).")
    parser.add_argument("--committed", action="store_true",
                        help="regenerate the committed models (the default when no other "
                             "generation flag is given)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any generated file differs from disk")
    parser.add_argument("--mlp-medium", action="store_true",
                        help="write <out>/mlp_medium (4 x 1024x1024 MLP, ~16 MB)")
    parser.add_argument("--resnet50", action="store_true",
                        help="write <out>/resnet50_onnx and <out>/resnet50_torchscript "
                             "(random init, ~100 MB each)")
    parser.add_argument("--torchscript", action="store_true",
                        help="write only the TorchScript models: model-repository/mlp_torchscript and "
                             "server/src/test/resources/pytorch-repository (the default run writes them too)")
    parser.add_argument("--classifier", action="store_true",
                        help="write only the test-repository classifier (needs onnx and numpy, not torch; "
                             "the default run writes it too)")
    parser.add_argument("--mlp-weights-json", metavar="PATH",
                        help="write the example mlp's weights as JSON (input of the TF Java tool "
                             "that exports model-repository/mlp_savedmodel)")
    parser.add_argument("--sequence", action="store_true",
                        help="write only the sequence-batching models: "
                             "server/src/test/resources/sequence-repository (the default run writes them too)")
    parser.add_argument("--ensemble", action="store_true",
                        help="write only the ensemble example: model-repository/preprocess_scale and "
                             "model-repository/mlp_pipeline (the default run writes them too)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), metavar="DIR",
                        help="output directory for --mlp-medium/--resnet50 "
                             "(default: %(default)s, git-ignored)")
    args = parser.parse_args(argv)

    on_demand = (args.mlp_medium or args.resnet50 or args.torchscript or args.mlp_weights_json or args.classifier
                 or args.sequence or args.ensemble)
    committed = args.committed or not on_demand
    writer = Writer(check_only=args.check)
    em = Emitter(writer)
    if not args.check:
        ensure_gitignore()

    if committed or args.torchscript:
        # first: see build_torchscript_models
        mlp_torchscript = build_torchscript_models(em)
    if committed:
        mlp_onnx = build_example_repo(em)
        build_test_repo(em)
        build_classifier(em)
        build_faulty_repo(em)
        build_sequence_repo(em)
        build_ensemble_example(em)
        total = check_committed_sizes(writer, [EXAMPLE_REPO, TEST_REPO, PYTORCH_TEST_REPO, FAULTY_REPO,
                                               SEQUENCE_REPO])
        print(f"committed models: {total} bytes in total")
    elif args.torchscript:
        mlp_onnx = onnx.load(str(EXAMPLE_REPO / "mlp" / "1" / "model.onnx"))
    if committed or args.torchscript:
        print(check_mlp_copies_agree(mlp_onnx, mlp_torchscript))
    if args.classifier and not committed:
        build_classifier(em)
    if args.sequence and not committed:
        build_sequence_repo(em)
    if args.ensemble and not committed:
        build_ensemble_example(em)
    if args.mlp_weights_json:
        write_mlp_weights_json(em, args.mlp_weights_json)
    if args.mlp_medium:
        build_mlp_medium(em, args.out)
    if args.resnet50:
        build_resnet50(em, args.out)

    for path, desc in em.summary:
        print(f"{path}: {desc}")
    for path, size, status in writer.records:
        print(f"  {status:>9} {size:>10} {rel(path)}")
    if writer.stale:
        print("out of date: " + ", ".join(rel(p) for p in writer.stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
