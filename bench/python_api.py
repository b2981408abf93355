"""Issue 15's measurements: the Python package against the libraries it replaces, same machine, same
threads, passes interleaved.

  1. distilner.Tagger vs transformers.pipeline("token-classification"), same model directory,
     aggregation "simple", on CoNLL-2003 test sentences given as text: sentences/s at batch 1 and 32;
  2. distilner.f1_score / classification_report vs seqeval's on the whole test split.

usage: .venv/bin/python bench/python_api.py MODEL_DIR [N_SENTENCES] [THREADS]
"""
import random
import sys
import time

import torch
from seqeval import metrics as sq
from transformers import pipeline

import distilner

model = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)

test = distilner.load_dataset("../shared/data/conll2003", split="test")
texts = [" ".join(t) for t in test["tokens"][:n]]

tagger = distilner.Tagger(model, threads=threads)
pipe = pipeline("token-classification", model=model, aggregation_strategy="simple", device="cpu")


def run_ours(batch):
    for i in range(0, len(texts), batch):
        tagger(texts[i:i + batch])


def run_hf(batch):
    if batch == 1:
        for t in texts:
            pipe(t)
    else:
        pipe(texts, batch_size=batch)


print(f"model {model}; {len(texts)} CoNLL-2003 test sentences as text; {threads} threads; "
      f"torch {torch.__version__}")
print("| batch | distilner.Tagger sent/s | transformers pipeline sent/s | ratio |")
print("|---|---|---|---|")
for batch in (1, 32):
    best = {"ours": 0.0, "hf": 0.0}
    for _ in range(2):  # interleaved passes; the best of each
        for name, fn in (("ours", run_ours), ("hf", run_hf)):
            t0 = time.perf_counter()
            fn(batch)
            best[name] = max(best[name], len(texts) / (time.perf_counter() - t0))
    print(f"| {batch} | {best['ours']:.0f} | {best['hf']:.0f} | {best['ours'] / best['hf']:.2f}× |")

# Scoring: gold against a prediction with one entity tag in ten changed (seeded), whole test split.
gold = test["ner_tags"]
rng = random.Random(33)
types = ["PER", "LOC", "ORG", "MISC"]
pred = [[(t[:2] + rng.choice(types)) if t != "O" and rng.random() < 0.1 else t for t in s] for s in gold]
print(f"\nscoring {len(gold)} sentences, {sum(map(len, gold))} tags")
print("| function | distilner ms | seqeval ms | ratio | equal |")
print("|---|---|---|---|---|")
for name, kw in (("f1_score", {}), ("classification_report", {"digits": 4}),
                 ("f1_score", {"mode": "strict", "scheme": "IOB2"})):
    fo, fs = getattr(distilner, name), getattr(sq, name)
    skw = dict(kw)
    if skw.get("scheme") == "IOB2":
        from seqeval.scheme import IOB2
        skw["scheme"] = IOB2
    best_o = best_s = float("inf")
    for _ in range(3):
        t0 = time.perf_counter(); a = fo(gold, pred, **kw); best_o = min(best_o, time.perf_counter() - t0)
        t0 = time.perf_counter(); b = fs(gold, pred, **skw); best_s = min(best_s, time.perf_counter() - t0)
    label = name + (" strict" if "mode" in kw else "")
    print(f"| {label} | {best_o * 1e3:.1f} | {best_s * 1e3:.1f} | {best_s / best_o:.1f}× | {a == b} |")
