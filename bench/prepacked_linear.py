"""Issue 13: does a prepacked fp32 linear beat libtorch's plain one at small batches on this CPU?

distilner's fp32 at batch 1 trails ONNX Runtime's, and perf put 30% of its time in MKL packing the weight panels
on every call. libtorch has two prepacked fp32 linears (the ops torch.compile's CPU freezing uses): oneDNN's
mkldnn::_linear_pointwise on a weight from mkldnn::_reorder_linear_weight, and MKL's mkl::_mkl_linear on a weight
from mkl::_mkl_reorder_linear_weight (packed for one row count M; other M fall back). This times each against
torch.nn.functional.linear at MiniLM's shapes (hidden 384, fused qkv 1152, FFN 1536) and a sentence's row counts.
usage: .venv/bin/python bench/prepacked_linear.py [threads]
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
