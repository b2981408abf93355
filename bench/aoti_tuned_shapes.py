"""Issue 13, session 14: does max-autotune tune an AOTInductor package for its example batch? Compiles the
student with an example batch of 32x40 and times it against PyTorch eager and the package the first `distilner
compile` had written (one package, example 2x16: runs/full/student6/compiled/model-cpu-fp32.pt2 at the time), at
batch 1, 8 and 32 over the first 1,000 test sentences sorted by length.
usage: .venv/bin/python bench/aoti_tuned_shapes.py (from the repository root)
"""
import sys, time, statistics, torch
from transformers import AutoModelForTokenClassification
sys.path.insert(0, "../shared/reference")
from infer_reference import read_words
from transformers import AutoTokenizer
torch.set_num_threads(2)
run = "runs/full/student6"
tok = AutoTokenizer.from_pretrained(run)
sents = read_words("../shared/data/conll2003/eng.testb")[:1000]
enc = sorted([tok(s, is_split_into_words=True)["input_ids"] for s in sents], key=len)
def batches(bs):
    out = []
    for i in range(0, len(enc), bs):
        b = enc[i:i+bs]; L = max(map(len, b))
        ids = torch.tensor([r + [0]*(L-len(r)) for r in b]); mask = torch.tensor([[1]*len(r) + [0]*(L-len(r)) for r in b])
        out.append((ids, mask))
    return out
m = AutoModelForTokenClassification.from_pretrained(run).eval()
class W(torch.nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, input_ids, attention_mask): return s.m(input_ids=input_ids, attention_mask=attention_mask).logits
w = W(m).eval()
B = torch.export.Dim("batch", min=1, max=1024); T = torch.export.Dim("length", min=2, max=512)
ids = torch.randint(1000, 2000, (32, 40)); mask = torch.ones_like(ids); mask[1, 9:] = 0
t = time.time()
with torch.inference_mode():
    ep = torch.export.export(w, (ids, mask), dynamic_shapes={"input_ids": {0: B, 1: T}, "attention_mask": {0: B, 1: T}})
    p = torch._inductor.aoti_compile_and_package(ep, package_path="/tmp/large_hint.pt2", inductor_configs={"freezing": True, "max_autotune": True})
print("compiled in", time.time() - t, flush=True)
large = torch._inductor.aoti_load_package("/tmp/large_hint.pt2")
small = torch._inductor.aoti_load_package("runs/full/student6/compiled/model-cpu-fp32.pt2")
fs = {"eager": w, "small-hint": small, "large-hint": large}
for bs in [1, 8, 32]:
    bb = batches(bs)
    ts = {k: [] for k in fs}
    with torch.inference_mode():
        for k, f in fs.items():
            for ids, mask in bb[:5]: f(ids, mask)
        for _ in range(3):
            for k, f in fs.items():
                t0 = time.perf_counter()
                for ids, mask in bb: f(ids, mask).argmax(-1)
                ts[k].append(time.perf_counter() - t0)
    print(bs, {k: round(1000 / statistics.median(v)) for k, v in ts.items()}, flush=True)
