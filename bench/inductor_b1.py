"""Issue 13: does PyTorch's own compiler close the fp32 batch-1 gap to ONNX Runtime?

Times one run directory at batch 1 (one sentence per call, fp32, forward + argmax, CoNLL-2003 test in file order,
pre-tokenised) with PyTorch eager, torch.compile (Inductor on the CPU, weights frozen), torch.compile with
max-autotune (Inductor's C++ micro-GEMM template with prepacked weights, chosen per shape against oneDNN), and,
given an Optimum export, ONNX Runtime fp32 with bench/ort_worker.py's session options. Passes are interleaved;
the median of 3 is reported. Runs in .venv-onnx (its .pth reaches .venv's torch; it has onnxruntime).
usage: .venv-onnx/bin/python bench/inductor_b1.py RUN_DIR N_SENTENCES [ONNX_DIR]
"""
import statistics
import sys
import time

import torch
import torch._inductor.config as inductor
from transformers import AutoModelForTokenClassification, AutoTokenizer

sys.path.insert(0, "../shared/reference")
from infer_reference import read_words  # the PyTorch baseline's own CoNLL reader

torch.set_num_threads(2)
run, n = sys.argv[1], int(sys.argv[2])
onnx_dir = sys.argv[3] if len(sys.argv) > 3 else None
tok = AutoTokenizer.from_pretrained(run)
sents = read_words("../shared/data/conll2003/eng.testb")
enc = [{k: v for k, v in tok(s, is_split_into_words=True, return_tensors="pt").items()
        if k in ("input_ids", "attention_mask")} for s in sents[:n]]
model = AutoModelForTokenClassification.from_pretrained(run).eval()
with torch.inference_mode():
    ref = [model(**e).logits for e in enc]


def torch_pass(m):
    def f():
        with torch.inference_mode():
            return [m(**e).logits.argmax(-1) for e in enc]
    return f


passes = {"PyTorch eager": torch_pass(model)}
inductor.freezing = True
for name, mode in [("torch.compile", None), ("torch.compile max-autotune", "max-autotune")]:
    t = time.time()
    cm = torch.compile(model, mode=mode, dynamic=True)
    with torch.inference_mode():
        err = max((cm(**e).logits - r).abs().max().item() for e, r in zip(enc, ref))
    print(f"{name}: compiled and checked in {time.time() - t:.0f} s; max |logit - eager| {err:.1e}", flush=True)
    passes[name] = torch_pass(cm)
if onnx_dir:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(f"{onnx_dir}/model.onnx", so, providers=["CPUExecutionProvider"])
    feeds = [{k: v.numpy() for k, v in e.items() if k in {i.name for i in sess.get_inputs()}} for e in enc]
    err = max(abs(sess.run(None, f)[0] - r.numpy()).max() for f, r in zip(feeds, ref))
    print(f"ONNX Runtime {ort.__version__} fp32: max |logit - eager| {err:.1e}", flush=True)
    passes["ONNX Runtime fp32"] = lambda: [sess.run(None, f)[0].argmax(-1) for f in feeds]
for f in passes.values():
    f()
times = {k: [] for k in passes}
for _ in range(3):
    for k, f in passes.items():
        t = time.perf_counter()
        f()
        times[k].append(time.perf_counter() - t)
print(f"\ntorch {torch.__version__}, 2 threads, {n} sentences, batch 1, fp32; sentences/s, median of 3 interleaved passes")
print("| engine | sent/s b1 | vs eager |\n|---|---|---|")
eager = n / statistics.median(times["PyTorch eager"])
for k, v in times.items():
    s = n / statistics.median(v)
    print(f"| {k} | {s:.0f} | {s / eager:.2f} |")
