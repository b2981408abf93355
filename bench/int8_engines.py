"""Issue 13: which of libtorch's kernels runs a whole model's linears fastest on this CPU, per row count?

distilner's int8 packs its weights for PyTorch's x86 quantized engine (fbgemm for dynamic linear); session 6 found
oneDNN slower at batch 1 and level at batch 32 on an AVX512-VNNI machine. On a CPU with AMX (tile int8 and bf16
matrix units) oneDNN is the library that can use them, for bf16 linears and for int8. This times one pass over all
the linears of an L-layer MiniLM-shaped encoder (fused qkv 384→1152, out 384→384, FFN 384→1536→384; what distilner
runs), weights in turn so each comes from memory as in a forward pass, at the row counts of batch 1, 8 and 32 on
CoNLL test (about 17, 8×20 and 32×25 sub-tokens):
  fp32 F.linear (MKL), bf16 F.linear (oneDNN), dynamic int8 packed by fbgemm, and by oneDNN.
usage: .venv/bin/python bench/int8_engines.py [threads] [layers] [rows,rows,...]
"""
import sys

import torch
from timing import timed  # bench/timing.py: the script's own folder is on sys.path

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.manual_seed(0)
shapes = [(384, 1152), (384, 384), (384, 1536), (1536, 384)] * layers
ws = [(torch.randn(n, k) / k**0.5, torch.randn(n) * 0.1) for k, n in shapes]


def pack(engine):
    torch.backends.quantized.engine = engine
    out = []
    for w, b in ws:
        s = w.abs().amax(1) / 127.5
        q = torch.quantize_per_channel(w, s, torch.zeros(len(s), dtype=torch.long), 0, torch.qint8)
        out.append(torch.ops.quantized.linear_prepack(q, b))
    return out


flags = open("/proc/cpuinfo").read()
isa = [f for f in ("avx512_vnni", "avx512_bf16", "amx_int8", "amx_bf16") if f in flags]
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {layers} layers, CPU flags {isa}")
print(f"oneDNN bf16 matmul available: {torch.backends.mkldnn.is_available()}")
fb, dn = pack("fbgemm"), pack("onednn")
bf = [(w.bfloat16(), b.bfloat16()) for w, b in ws]
print("µs per pass over the linears, best / median of 5 timings of 100 passes")
print("| rows M | fp32 | bf16 | int8 fbgemm | int8 oneDNN | fp32/bf16 | bf16/int8 fbgemm | bf16/int8 oneDNN |")
print("|---|---|---|---|---|---|---|---|")
for m in [int(r) for r in (sys.argv[3] if len(sys.argv) > 3 else "17,160,800").split(",")]:
    x = torch.randn(m, 384)
    xh = torch.randn(m, 1536)
    pick = lambda k: x if k == 384 else xh  # noqa: E731
    # Check that every engine computes the same product before timing it.
    for (w, b), f, d in zip(ws, fb, dn):
        ref = torch.nn.functional.linear(pick(w.shape[1]), w, b)
        for y in (torch.ops.quantized.linear_dynamic(pick(w.shape[1]), f, False),
                  torch.ops.quantized.linear_dynamic(pick(w.shape[1]), d, False)):
            rel = ((y - ref).norm() / ref.norm()).item()
            assert rel < 0.02, rel
    xb, xhb = x.bfloat16(), xh.bfloat16()
    fp = timed(lambda: [torch.nn.functional.linear(pick(w.shape[1]), w, b) for w, b in ws])
    bh = timed(lambda: [torch.nn.functional.linear(xb if w.shape[1] == 384 else xhb, w, b) for w, b in bf])
    i8f = timed(lambda: [torch.ops.quantized.linear_dynamic(pick(w.shape[1]), p, False) for (w, _), p in zip(ws, fb)])
    i8d = timed(lambda: [torch.ops.quantized.linear_dynamic(pick(w.shape[1]), p, False) for (w, _), p in zip(ws, dn)])
    print(f"| {m} | {fp[0]:.0f} / {fp[1]:.0f} | {bh[0]:.0f} / {bh[1]:.0f} | {i8f[0]:.0f} / {i8f[1]:.0f} "
          f"| {i8d[0]:.0f} / {i8d[1]:.0f} | {fp[0] / bh[0]:.2f} | {bh[0] / i8f[0]:.2f} | {bh[0] / i8d[0]:.2f} |",
          flush=True)
