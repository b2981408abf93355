"""Issue 13: run one AOTInductor package (`distilner compile`) over the CoNLL-2003 test split, sorted
by length and padded in batches of B, forward + argmax, 2 threads, and print sentences/s per pass:
the loop `perf record` profiles. usage: .venv/bin/python bench/package_loop.py RUN_DIR PACKAGE.pt2 B
(REPS passes, default 8; set ONEDNN_PRIMITIVE_CACHE_CAPACITY=4096 as distilner's inference does)."""
import os, sys, time

import torch
from transformers import AutoTokenizer

sys.path.insert(0, "../shared/reference")
from infer_reference import read_words  # the PyTorch baseline's own CoNLL reader

torch.set_num_threads(2)
run, package, b = sys.argv[1], sys.argv[2], int(sys.argv[3])
tok = AutoTokenizer.from_pretrained(run)
enc = [tok(s, is_split_into_words=True, return_tensors="pt")["input_ids"]
       for s in read_words("../shared/data/conll2003/eng.testb") if s]
enc.sort(key=lambda e: e.shape[1])
batches = []
for i in range(0, len(enc), b):
    rows = enc[i:i + b]
    ids = torch.zeros(len(rows), max(r.shape[1] for r in rows), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for j, r in enumerate(rows):
        ids[j, :r.shape[1]], mask[j, :r.shape[1]] = r[0], 1
    batches.append((ids, mask))
model = torch._inductor.aoti_load_package(package)
with torch.inference_mode():
    for _ in range(int(os.environ.get("REPS", 8))):
        t0 = time.perf_counter()
        for ids, mask in batches:
            model(ids, mask).argmax(-1)
        print("pass %.0f sent/s" % (len(enc) / (time.perf_counter() - t0)), flush=True)
