"""Issue 13: at a sentence's rows, is libtorch's weight-only int8 product faster than its dynamic int8 one?

Without AMX (AMD EPYC, AVX512-VNNI/BF16), a teacher's batch 1 in int8 trails ONNX Runtime's: fbgemm's dynamic
int8 linear pays per call for quantizing the activations and requantizing, which a few rows cannot amortise.
`aten::_weight_int8pack_mm` (what torchao's int8 weight-only mode runs on CPU) keeps the activations in bf16
(or fp32) and reads int8 weights with a per-channel scale: half of bf16's weight bytes, no activation
quantization. This times one pass over all the linears of an L-layer MiniLM-shaped encoder (as
`int8_engines.py`), per row count, for fp32 F.linear, bf16 F.linear, fbgemm dynamic int8, and weight-only int8
with bf16 activations; each product is checked against fp32 first. (With fp32 activations the weight-only kernel
was 10-80x slower again at 1-19 rows on the EPYC machine, session 27, so it is not timed.)
usage: .venv/bin/python bench/int8_weight_only.py [threads] [layers] [rows,rows,...]
"""
import sys

import torch
from timing import timed  # bench/timing.py: the script's own folder is on sys.path

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 6
torch.manual_seed(0)
shapes = [(384, 1152), (384, 384), (384, 1536), (1536, 384)] * layers
ws = [(torch.randn(n, k) / k**0.5, torch.randn(n) * 0.1) for k, n in shapes]

torch.backends.quantized.engine = "fbgemm"
dyn, wo = [], []
for w, b in ws:
    s = w.abs().amax(1) / 127.5
    q = torch.quantize_per_channel(w, s, torch.zeros(len(s), dtype=torch.long), 0, torch.qint8)
    dyn.append(torch.ops.quantized.linear_prepack(q, b))
    wo.append((q.int_repr().contiguous(), s, b))
bf = [(w.bfloat16(), b.bfloat16()) for w, b in ws]


def wo_linear(x, qw, s, b):
    return torch._weight_int8pack_mm(x, qw, s.to(x.dtype)) + b.to(x.dtype)


flags = open("/proc/cpuinfo").read()
isa = [f for f in ("avx512_vnni", "avx512_bf16", "amx_int8", "amx_bf16") if f in flags]
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {layers} layers, CPU flags {isa}")
print("µs per pass over the linears, best / median of 5 timings of 100 passes; rel: |y - fp32| / |fp32|")
print("| rows M | fp32 | bf16 | int8 dynamic (fbgemm) | int8 weight-only, bf16 act | dynamic / weight-only |")
print("|---|---|---|---|---|---|")
for m in [int(r) for r in (sys.argv[3] if len(sys.argv) > 3 else "1,8,19,24,40,160").split(",")]:
    x, xh = torch.randn(m, 384), torch.randn(m, 1536)
    xb, xhb = x.bfloat16(), xh.bfloat16()

    def pick(k, bf=False):
        return (xb if bf else x) if k == 384 else (xhb if bf else xh)

    rels = {"dyn": 0.0, "wob": 0.0}
    for (w, b), p, (qw, s, _) in zip(ws, dyn, wo):
        ref = torch.nn.functional.linear(pick(w.shape[1]), w, b)
        for k, y in (("dyn", torch.ops.quantized.linear_dynamic(pick(w.shape[1]), p, False)),
                     ("wob", wo_linear(pick(w.shape[1], True), qw, s, b).float())):
            rels[k] = max(rels[k], ((y - ref).norm() / ref.norm()).item())
    assert max(rels.values()) < 0.02, rels
    fp = timed(lambda: [torch.nn.functional.linear(pick(w.shape[1]), w, b) for w, b in ws])
    bh = timed(lambda: [torch.nn.functional.linear(pick(w.shape[1], True), w, b) for w, b in bf])
    dy = timed(lambda: [torch.ops.quantized.linear_dynamic(pick(w.shape[1]), p, False) for (w, _), p in zip(ws, dyn)])
    wb = timed(lambda: [wo_linear(pick(w.shape[1], True), *t) for (w, _), t in zip(ws, wo)])
    print(f"| {m} | {fp[0]:.0f} / {fp[1]:.0f} | {bh[0]:.0f} / {bh[1]:.0f} | {dy[0]:.0f} / {dy[1]:.0f} "
          f"(rel {rels['dyn']:.4f}) | {wb[0]:.0f} / {wb[1]:.0f} (rel {rels['wob']:.4f}) "
          f"| {dy[0] / wb[0]:.2f} |", flush=True)
