# Session 27 (EPYC, idle): aten::_int_mm (int8 x int8 -> int32) as the int8 product, activations quantized per
# tensor by ATen ops, over the linears of a 6-layer MiniLM-shaped encoder (as bench/int8_weight_only.py).
# usage (from the repository root): .venv/bin/python bench/logs/2026-12-02/epyc27/int_mm.py
import torch, sys
sys.path.insert(0, 'bench')
from timing import timed
torch.set_num_threads(2)
torch.manual_seed(0)
shapes = [(384, 1152), (384, 384), (384, 1536), (1536, 384)] * 6
ws = [(torch.randn(n, k) / k**0.5, torch.randn(n) * 0.1) for k, n in shapes]
qs=[]
for w,b in ws:
    s = w.abs().amax(1) / 127.5
    qs.append(((w/s[:,None]).round().clamp(-127,127).to(torch.int8).t().contiguous(), s, b))
def lin(x, qw, s, b):
    xs = x.abs().amax() / 127.0
    xq = (x / xs).round_().to(torch.int8)
    return torch._int_mm(xq, qw).float() * (s * xs) + b
for m in [1,8,19,24,40,160]:
    x, xh = torch.randn(m,384), torch.randn(m,1536)
    pick=lambda k: x if k==384 else xh
    try:
        y = lin(pick(384), *qs[0]); ref = torch.nn.functional.linear(pick(384), *ws[0])
        rel=((y-ref).norm()/ref.norm()).item()
        t = timed(lambda: [lin(pick(w.shape[1]), *q) for (w,_),q in zip(ws,qs)])
        t2 = timed(lambda: [torch._int_mm(pick(w.shape[1]).to(torch.int8), q[0]) for (w,_),q in zip(ws,qs)])
        print(m, 'int_mm with quant', [round(v) for v in t], 'int_mm alone', [round(v) for v in t2], 'rel', round(rel,4), flush=True)
    except Exception as e:
        print(m, 'error', str(e)[:200])
