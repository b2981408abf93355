"""Issue 13: on a CPU with AMX bf16 tiles, does an AOTInductor package of the model in bf16 (max-autotune's C++
micro-GEMMs, which use AMX for bf16) beat eager bf16 and the fp32 package at small batches? Compiles one run
directory twice (fp32, bf16; batch and length dynamic; weights frozen; tuned for a 2x16 example), checks the
logits against eager, then times eager fp32, eager bf16 and both packages at batch 1 and 8 (forward + argmax,
CoNLL-2003 test sorted by length as distilner's bench does, first N sentences, interleaved, median of 3).
Eager bf16 here is the whole HF model cast to bf16 (LayerNorm and softmax too), as the bf16 package is.
usage: .venv/bin/python bench/aoti_bf16.py RUN_DIR N_SENTENCES
"""
import statistics, sys, time

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

sys.path.insert(0, "../shared/reference")
from infer_reference import read_words  # the PyTorch baseline's own CoNLL reader

torch.set_num_threads(2)
run, n = sys.argv[1], int(sys.argv[2])
tok = AutoTokenizer.from_pretrained(run)
sents = read_words("../shared/data/conll2003/eng.testb")
enc = sorted((tok(s, is_split_into_words=True, return_tensors="pt")["input_ids"][0] for s in sents), key=len)[:n]


class M(torch.nn.Module):
    def __init__(s, m):
        super().__init__()
        s.m = m

    def forward(s, ids, mask):
        return s.m(input_ids=ids, attention_mask=mask).logits


def batches(b):
    out = []
    for i in range(0, len(enc), b):
        rows = enc[i:i + b]
        t = max(len(r) for r in rows)
        ids = torch.zeros(len(rows), t, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for j, r in enumerate(rows):
            ids[j, :len(r)] = r
            mask[j, :len(r)] = 1
        out.append((ids, mask))
    return out


models, eager = {}, {}
for dtype in (torch.float32, torch.bfloat16):
    w = M(AutoModelForTokenClassification.from_pretrained(run, dtype=dtype).eval())
    name = str(dtype).split(".")[1]
    eager[name] = w
    ids = torch.randint(1000, 2000, (2, 16))
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    T = torch.export.Dim("T", min=2, max=512)
    B = torch.export.Dim("B", min=1, max=256)
    t = time.time()
    with torch.inference_mode():
        ep = torch.export.export(w, (ids, mask), dynamic_shapes={"ids": {0: B, 1: T}, "mask": {0: B, 1: T}})
        path = torch._inductor.aoti_compile_and_package(
            ep, package_path=f"/tmp/distilner_aoti_{name}.pt2",
            inductor_configs={"freezing": True, "max_autotune": True})
    print(f"{name}: compiled in {time.time() - t:.0f} s", flush=True)
    models[name] = torch._inductor.aoti_load_package(path)

ref = eager["float32"]
with torch.inference_mode():
    for name, m in models.items():
        err = max((m(*b).float() - ref(*b)).abs().max().item() for b in batches(8)[::20])
        scale = max(ref(*b).abs().max().item() for b in batches(8)[::20])
        print(f"{name} package: max |logit diff| vs eager fp32 {err:.3g} (scale {scale:.3g})", flush=True)

for b in (1, 8, 32):
    data = batches(b)

    def timed(f):
        def g():
            with torch.inference_mode():
                for ids, mask in data:
                    f(ids, mask).argmax(-1)
        return g

    fs = {"eager fp32": timed(eager["float32"]), "eager bf16": timed(eager["bfloat16"]),
          "package fp32": timed(models["float32"]), "package bf16": timed(models["bfloat16"])}
    for f in fs.values():
        f()
    ts = {k: [] for k in fs}
    for _ in range(3):
        for k, f in fs.items():
            t0 = time.perf_counter()
            f()
            ts[k].append(time.perf_counter() - t0)
    print(f"batch {b}: " + ", ".join(f"{k} {len(enc) / statistics.median(v):.0f}" for k, v in ts.items())
          + " sentences/s", flush=True)
