"""Issue 13: does a prepacked fp32 linear beat libtorch's plain one at small batches on this CPU?

distilner's fp32 at batch 1 trails ONNX Runtime's, and perf put 30% of its time in MKL packing the weight panels
on every call. libtorch has two prepacked fp32 linears (the ops torch.compile's CPU freezing uses): oneDNN's
mkldnn::_linear_pointwise on a weight from mkldnn::_reorder_linear_weight, and MKL's mkl::_mkl_linear on a weight
from mkl::_mkl_reorder_linear_weight (packed for one row count M; other M fall back). This times each against
torch.nn.functional.linear at MiniLM's shapes (hidden 384, fused qkv 1152, FFN 1536) and a sentence's row counts.

The first table calls one weight over and over, so it stays in cache (session 12). The second calls a whole
L-layer model's linears in turn (q, k, v, o, FFN in, FFN out per layer; 18 weights, 21 MB for the 3-layer
student), as a forward pass does: each weight comes from memory, which is where MKL's per-call packing hurts
(session 13).
usage: .venv/bin/python bench/prepacked_linear.py [threads] [layers]
"""
import statistics
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)


def bench(f, n=2000):
    """Best and median µs per call over 5 passes of n calls, after 200 warm-up calls."""
    for _ in range(200):
        f()
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            f()
        ts.append((time.perf_counter() - t) / n * 1e6)
    return min(ts), statistics.median(ts)


print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; µs per call, best / median of 5 passes")
print("| K→N | M | plain linear | oneDNN packed | ratio | MKL packed (M) | ratio |")
print("|---|---|---|---|---|---|---|")
for k, n in [(384, 1152), (384, 384), (384, 1536), (1536, 384)]:
    w, b = torch.randn(n, k), torch.randn(n)
    for m in [8, 24, 48]:
        x = torch.randn(m, k)
        ref = torch.nn.functional.linear(x, w, b)
        dnn = torch.ops.mkldnn._reorder_linear_weight(w, m)
        mkl = torch.ops.mkl._mkl_reorder_linear_weight(w, m)
        for out in (torch.ops.mkldnn._linear_pointwise(x, dnn, b, "none", [], ""),
                    torch.ops.mkl._mkl_linear(x, mkl, w, b, m)):
            assert (out - ref).abs().max().item() < 1e-3
        p = bench(lambda: torch.nn.functional.linear(x, w, b))
        d = bench(lambda: torch.ops.mkldnn._linear_pointwise(x, dnn, b, "none", [], ""))
        q = bench(lambda: torch.ops.mkl._mkl_linear(x, mkl, w, b, m))
        print(f"| {k}→{n} | {m} | {p[0]:.0f} / {p[1]:.0f} | {d[0]:.0f} / {d[1]:.0f} | {p[0] / d[0]:.2f} "
              f"| {q[0]:.0f} / {q[1]:.0f} | {p[0] / q[0]:.2f} |", flush=True)


def stack_pass(m, layers, kind):
    """µs per pass over all the model's linears at m rows: best of 5 timings of 200 passes."""
    shapes = [(384, 384)] * 4 + [(384, 1536), (1536, 384)]
    xs = {k: torch.randn(m, k) for k in (384, 1536)}
    calls = []
    for _ in range(layers):
        for k, n in shapes:
            w, b, x = torch.randn(n, k) * 0.05, torch.randn(n), xs[k]
            if kind == "plain":
                calls.append(lambda w=w, b=b, x=x: torch.nn.functional.linear(x, w, b))
            elif kind == "onednn":
                p = torch.ops.mkldnn._reorder_linear_weight(w, m)
                calls.append(lambda p=p, b=b, x=x: torch.ops.mkldnn._linear_pointwise(x, p, b, "none", [], ""))
            else:
                p = torch.ops.mkl._mkl_reorder_linear_weight(w, m)
                calls.append(lambda p=p, w=w, b=b, x=x: torch.ops.mkl._mkl_linear(x, p, w, b, m))

    def one_pass():
        for c in calls:
            c()
    return bench(one_pass, n=200)[0]


layers = int(sys.argv[2]) if len(sys.argv) > 2 else 3
print(f"\nA {layers}-layer model's linears in turn; µs per pass, best of 5 timings of 200 passes")
print("| M | plain linear | oneDNN packed | ratio | MKL packed (M) | ratio |")
print("|---|---|---|---|---|---|")
for m in [8, 17, 24, 48]:
    p, d, q = (stack_pass(m, layers, k) for k in ("plain", "onednn", "mkl"))
    print(f"| {m} | {p:.0f} | {d:.0f} | {p / d:.2f} | {q:.0f} | {p / q:.2f} |", flush=True)
