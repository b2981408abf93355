"""Issue 13: ONNX Runtime's side of `bench/int8_engines.py`. The same pass over all the linears of an
L-layer MiniLM-shaped encoder (qkv 384→1152, out 384→384, FFN 384→1536→384, each weight its own, so
each comes from memory as in a forward pass), as one ONNX graph of MatMul + Add nodes quantized by
ONNX Runtime's dynamic quantizer (int8 weights, uint8 activations quantized per tensor at run time:
the DynamicQuantizeMatMul kernels a model exported by Optimum and quantized with `--avx512_vnni`
runs on MLAS). Outputs go to buffers bound once (IOBinding), so the time is the kernels' and the
session's per-run work, not copies. Compare with `int8_engines.py`'s "int8 fbgemm" column, which
times libtorch's dynamic int8 linear on the same shapes and rows.
usage: .venv-onnx/bin/python bench/ort_int8_linears.py [threads] [layers] [rows,rows,...]
"""
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from timing import timed  # bench/timing.py: the script's own folder is on sys.path

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 3
rng = np.random.default_rng(0)
shapes = [(384, 1152), (384, 384), (384, 1536), (1536, 384)] * layers
nodes, inits, outs = [], [], []
for i, (k, n) in enumerate(shapes):
    w = (rng.standard_normal((k, n)) / k**0.5).astype(np.float32)
    b = (rng.standard_normal(n) * 0.1).astype(np.float32)
    inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
    nodes += [helper.make_node("MatMul", ["x" if k == 384 else "xh", f"w{i}"], [f"p{i}"]),
              helper.make_node("Add", [f"p{i}", f"b{i}"], [f"y{i}"])]
    outs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, ["rows", n]))
graph = helper.make_graph(nodes, "linears", [
    helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", 384]),
    helper.make_tensor_value_info("xh", TensorProto.FLOAT, ["rows", 1536])], outs, inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
work = tempfile.mkdtemp()
fp32, int8 = os.path.join(work, "fp32.onnx"), os.path.join(work, "int8.onnx")
onnx.save(model, fp32)
quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)

so = ort.SessionOptions()
so.intra_op_num_threads = threads
so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
sessions = {k: ort.InferenceSession(p, so, providers=["CPUExecutionProvider"]) for k, p in
            (("fp32", fp32), ("int8", int8))}
kinds = sorted({n.op_type for n in onnx.load(int8).graph.node})
print(f"onnxruntime {ort.__version__}, {threads} threads, {layers} layers; int8 graph ops before "
      f"ONNX Runtime's fusions: {kinds}")


def empty_run():
    """What a run of a one-node graph costs: the session's and Python's share of every pass."""
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "id",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", 384])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", 384])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    s = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    x = np.zeros((1, 384), np.float32)
    return timed(lambda: s.run(None, {"x": x}))


print(f"an empty run (Identity): {empty_run()[0]:.1f} µs")
print("µs per pass over the linears, best / median of 5 timings of 100 passes")
print("| rows M | ONNX Runtime fp32 | ONNX Runtime int8 | fp32/int8 |")
print("|---|---|---|---|")
for m in [int(r) for r in (sys.argv[3] if len(sys.argv) > 3 else "17,160,800").split(",")]:
    x = rng.standard_normal((m, 384)).astype(np.float32)
    xh = rng.standard_normal((m, 1536)).astype(np.float32)
    row = {}
    for name, s in sessions.items():
        io = s.io_binding()
        io.bind_cpu_input("x", x)
        io.bind_cpu_input("xh", xh)
        for i, (_, n) in enumerate(shapes):
            io.bind_ortvalue_output(f"y{i}", ort.OrtValue.ortvalue_from_shape_and_type([m, n], np.float32))
        s.run_with_iobinding(io)
        row[name] = timed(lambda: s.run_with_iobinding(io))
    # Both graphs compute the same product (int8 within quantization error) before they are compared.
    ref = sessions["fp32"].run(None, {"x": x, "xh": xh})
    got = sessions["int8"].run(None, {"x": x, "xh": xh})
    for a, b in zip(ref, got):
        assert np.linalg.norm(a - b) / np.linalg.norm(a) < 0.02
    f, q = row["fp32"], row["int8"]
    print(f"| {m} | {f[0]:.0f} / {f[1]:.0f} | {q[0]:.0f} / {q[1]:.0f} | {f[0] / q[0]:.2f} |", flush=True)
