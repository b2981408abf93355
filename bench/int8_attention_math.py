"""Issue 13, session 34: int8 packages with attention written out as two batched GEMMs around an fp32
softmax (aoti_compile.py's ATTENTION `bfloat16-math`), against aten's fused SDPA kernel in bf16
(`bfloat16-sdpa`; what `compile` built before session 34 where the CPU has native bf16 — in this
session's logs, made before the per-package choice, it is named `bfloat16`). Both compiled here from
the same calibration (the first 512 sentences of eng.train, as `compile` takes them), for the 32x40
shape (or SHAPE); checked against the fp32 model on padded test batches; then timed in one process,
passes alternating, median of REPS, whole test split sorted by length, forward + argmax, 2 threads.
Session 35: DTYPE=bfloat16 does the same for bf16 packages (the whole model in bf16; the written-out
kernel's scores from bf16 queries and keys, in fp32).
usage: [DTYPE=int8|bfloat16] .venv/bin/python bench/int8_attention_math.py RUN_DIR WORK_DIR [BATCH ...]"""
import json, os, statistics, subprocess, sys, time

import torch
from safetensors.torch import save_file
from transformers import AutoModelForTokenClassification, AutoTokenizer

sys.path.insert(0, "../shared/reference")
from infer_reference import read_words  # the PyTorch baseline's own CoNLL reader

torch.set_num_threads(2)
run, work = sys.argv[1], sys.argv[2]
sizes = [int(b) for b in sys.argv[3:]] or [8, 32]
DTYPE = os.environ.get("DTYPE", "int8")
os.makedirs(work, exist_ok=True)
tok = AutoTokenizer.from_pretrained(run)


def batches(sentences, b):
    enc = [tok(s, is_split_into_words=True, truncation=True, max_length=512, return_tensors="pt")["input_ids"][0]
           for s in sentences if s]
    out = []
    for i in range(0, len(enc), b):
        rows = enc[i:i + b]
        ids = torch.full((len(rows), max(len(r) for r in rows)), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for j, r in enumerate(rows):
            ids[j, :len(r)], mask[j, :len(r)] = r, 1
        out.append((ids, mask))
    return out


calib = os.path.join(work, "calibration.safetensors")
named = {}
for i, (ids, mask) in enumerate(batches([s for s in read_words("../shared/data/conll2003/eng.train") if s][:512], 32)):
    named[f"ids.{i}"], named[f"mask.{i}"] = ids, mask
save_file(named, calib)

script = "crates/distilner/src/export/compiled/aoti_compile.py"
packages = {}
for att in ["bfloat16-sdpa", "bfloat16-math"]:
    out = os.path.join(work, f"{DTYPE}-{att}.pt2")
    r = subprocess.run([sys.executable, script, run, "1024", "512", "1", "2", DTYPE, att, calib, f"{out}:{os.environ.get('SHAPE', '32x40')}"],
                       capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "2"})
    if r.returncode:
        sys.exit(r.stderr[-3000:])
    info = json.loads(r.stdout.strip().splitlines()[-1])
    print(att, "compiled:", info["attention"], info["packages"][0]["seconds"], "s", flush=True)
    packages[att] = torch._inductor.aoti_load_package(out)

test = [s for s in read_words("../shared/data/conll2003/eng.testb") if s]
test.sort(key=len)
fp32 = AutoModelForTokenClassification.from_pretrained(run).eval()
with torch.inference_mode():
    # Padded batches: the longest test sentences beside short ones, so the mask matters.
    check = batches(test[:3] + test[-3:], 6)[0]
    ref = fp32(input_ids=check[0], attention_mask=check[1]).logits
    real = check[1].bool()
    for att, m in packages.items():
        d = (m(*check) - ref).abs()[real].max().item()
        agree = (m(*check).argmax(-1) == ref.argmax(-1))[real].float().mean().item()
        print(f"{att}: max |logit - fp32| on real positions of a padded batch {d:.3f}, argmax agreement {agree:.4f}")
    for b in sizes:
        data = batches(test, b)
        times = {att: [] for att in packages}
        for rep in range(int(os.environ.get("REPS", 5)) + 1):
            for att, m in (packages.items() if rep % 2 == 0 else reversed(packages.items())):
                t0 = time.perf_counter()
                for ids, mask in data:
                    m(ids, mask).argmax(-1)
                if rep:  # the first round warms both up
                    times[att].append(len(test) / (time.perf_counter() - t0))
        med = {att: statistics.median(v) for att, v in times.items()}
        print(f"batch {b}: " + ", ".join(f"{att} {v:,.0f} sent/s" for att, v in med.items())
              + f"; math / sdpa {med['bfloat16-math'] / med['bfloat16-sdpa']:.3f}", flush=True)
