"""The transformers token-classification pipeline's output for every line of a text file, for each
aggregation strategy: {strategy: [[entity, ...] per line]} as JSON on stdout.

    hf_pipeline.py MODEL_DIR TEXT_FILE
"""
import json
import sys

from transformers import pipeline

model, path = sys.argv[1], sys.argv[2]
texts = [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip()]
out = {}
for s in ["none", "simple", "first", "average", "max"]:
    p = pipeline("token-classification", model=model, aggregation_strategy=s, device="cpu")
    res = []
    for t in texts:
        ents = p(t)
        res.append([{k: (float(v) if k == "score" else (int(v) if k in ("start", "end", "index") else v))
                     for k, v in e.items()} for e in ents])
    out[s] = res
print(json.dumps(out))
