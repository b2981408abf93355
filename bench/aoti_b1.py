"""Issue 13: does an AOTInductor package (torch.export + Inductor, weights frozen, max-autotune's C++ micro-GEMMs
with prepacked weights; the artefact a C++ loader, torch::inductor::AOTIModelPackageLoader, can run without
Python) close the fp32 batch-1 gap? Exports one run directory with dynamic batch and length, compiles it to a .pt2
package, checks its logits against eager and times both at batch 1 (fp32, forward + argmax, CoNLL-2003 test in
file order, interleaved, median of 3). usage: .venv/bin/python bench/aoti_b1.py RUN_DIR N_SENTENCES
"""
import os, statistics, sys, time

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

sys.path.insert(0, "../shared/reference")
from infer_reference import read_words  # the PyTorch baseline's own CoNLL reader
torch.set_num_threads(2)
run, n = sys.argv[1], int(sys.argv[2])
tok = AutoTokenizer.from_pretrained(run)
sents = read_words("../shared/data/conll2003/eng.testb")
enc = [tok(s, is_split_into_words=True, return_tensors="pt")["input_ids"] for s in sents[:n]]
model = AutoModelForTokenClassification.from_pretrained(run).eval()
class M(torch.nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, ids, mask): return s.m(input_ids=ids, attention_mask=mask).logits
w = M(model).eval()
ids = torch.cat([enc[1], enc[1]]); mask = torch.ones_like(ids)
T = torch.export.Dim("T", min=2, max=512); B = torch.export.Dim("B", min=1, max=256)
t = time.time()
with torch.inference_mode():
    ep = torch.export.export(w, (ids, mask), dynamic_shapes={"ids": {0: B, 1: T}, "mask": {0: B, 1: T}})
    path = torch._inductor.aoti_compile_and_package(ep, package_path="/tmp/distilner_aoti_b1.pt2",
        inductor_configs={"freezing": True, "max_autotune": True})
print("AOT compiled+packaged in %.0f s" % (time.time() - t), flush=True)
print("package", os.path.getsize(path) // 1024, "KiB")
t = time.time(); loaded = torch._inductor.aoti_load_package(path); print("loaded in %.1f s" % (time.time() - t))
with torch.inference_mode():
    err = max((loaded(e, torch.ones_like(e)) - w(e, torch.ones_like(e))).abs().max().item() for e in enc[:200])
print("max |logit diff|", err)
def p(f):
    def g():
        with torch.inference_mode():
            for e in enc: f(e, torch.ones_like(e)).argmax(-1)
    return g
fs = {"eager": p(w), "AOTInductor package": p(loaded)}
for f in fs.values(): f()
ts = {k: [] for k in fs}
for _ in range(3):
    for k, f in fs.items():
        t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
for k, v in ts.items(): print(k, "%.0f sent/s" % (n / statistics.median(v)))
