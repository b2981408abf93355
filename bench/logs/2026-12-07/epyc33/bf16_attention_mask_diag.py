# Where does bf16 attention inside the int8 (PT2E) graph go wrong on padded rows?
import sys, torch, transformers
from transformers import AutoModelForTokenClassification, AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
torch.manual_seed(0)
torch.set_num_threads(2)
run = sys.argv[1]

def sdpa_bf16(module, q, k, v, mask, **kw):
    m = mask.to(torch.bfloat16) if mask is not None and mask.dtype != torch.bool else mask
    o, w = sdpa_attention_forward(module, q.to(torch.bfloat16), k.to(torch.bfloat16), v.to(torch.bfloat16), m, **kw)
    return o.to(q.dtype), w
AttentionInterface.register("sdpa_bf16", sdpa_bf16)
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask
if "--mask" in sys.argv:
    AttentionMaskInterface.register("sdpa_bf16", sdpa_mask)
    AttentionMaskInterface.register("spy", sdpa_mask)

def load(impl):
    return AutoModelForTokenClassification.from_pretrained(run, dtype=torch.float32, attn_implementation=impl).eval()

class Logits(torch.nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, ids, mask): return s.m(input_ids=ids, attention_mask=mask).logits

rows = [torch.randint(1000, 2000, (n,)) for n in (2, 9, 23)]
def padded(L):
    ids = torch.zeros(len(rows), L, dtype=torch.long); mask = torch.zeros_like(ids)
    for i, r in enumerate(rows): ids[i, :len(r)] = r; mask[i, :len(r)] = 1
    return ids, mask
ref = load("sdpa")
with torch.no_grad():
    want = [Logits(ref)(r[None], torch.ones(1, len(r), dtype=torch.long))[0] for r in rows]
def report(name, f):
    with torch.no_grad():
        for L in (23, 64, 512):
            ids, mask = padded(L)
            out = f(ids, mask)
            d = [float((out[i, :len(r)] - want[i]).abs().max()) for i, r in enumerate(rows)]
            print(f"{name:32s} pad to {L:3d}: max diff per row {[round(x, 3) for x in d]}", flush=True)

for impl in ("sdpa", "sdpa_bf16"):
    m = Logits(load(impl))
    report(f"eager fp32 model, {impl}", m)
    # the mask transformers hands the attention
    if impl == "sdpa_bf16":
        seen = {}
        def spy(module, q, k, v, mask, **kw):
            seen.setdefault("mask", (None if mask is None else (mask.dtype, tuple(mask.shape), float(mask.min()))))
            return sdpa_bf16(module, q, k, v, mask, **kw)
        AttentionInterface.register("spy", spy)
        with torch.no_grad(): Logits(load("spy"))(*padded(64))
        print("mask given to the attention:", seen)

# PT2E int8, eager (no Inductor)
from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
import torchao.quantization.pt2e.quantizer.x86_inductor_quantizer as xiq
B = torch.export.Dim("batch", min=1, max=64); T = torch.export.Dim("length", min=2, max=512)
DYN = {"ids": {0: B, 1: T}, "mask": {0: B, 1: T}}
for impl in ("sdpa", "sdpa_bf16"):
    m = Logits(load(impl))
    ids = torch.randint(1000, 2000, (4, 24)); mask = torch.ones_like(ids); mask[1, 12:] = 0
    with torch.no_grad():
        ep = torch.export.export(m, (ids, mask), dynamic_shapes=DYN, strict=True)
        q = xiq.X86InductorQuantizer(); q.set_global(xiq.get_default_x86_inductor_quantization_config())
        p = prepare_pt2e(ep.module(), q)
        for _ in range(8):
            n = int(torch.randint(5, 40, ()))
            p(torch.randint(1000, 5000, (8, n)), torch.ones(8, n, dtype=torch.long))
        c = convert_pt2e(p)
    report(f"int8 PT2E eager, {impl}", c)
    if "--compile" in sys.argv:
        with torch.no_grad():
            ep2 = torch.export.export(c, (ids, mask), dynamic_shapes=DYN)
            path = torch._inductor.aoti_compile_and_package(ep2, package_path=f"/tmp/q33/{impl}.pt2", inductor_configs={"freezing": True})
        pk = torch._inductor.aoti_load_package(path)
        report(f"int8 AOTI, {impl}", lambda a, b: pk(a, b))
