#!/usr/bin/env python3
"""Issue 14's ablation table from the run directories bench/ablation.sh wrote (metrics.json and
tagging.json of each): dev/test F1 under the decoding the run chose, test P/R, per-type test F1,
the dev F1 of argmax and of constrained Viterbi, epochs run and training time."""
import json, pathlib, sys

out = pathlib.Path(sys.argv[1])
rows = []
# Teachers first, then students; each baseline before its variants.
order = lambda p: (not p.name.startswith("teacher"), p.name not in ("teacher", "student"), p.name)
for d in sorted((p for p in out.iterdir() if (p / "metrics.json").exists()), key=order):
    m = json.loads((d / "metrics.json").read_text())
    t = m.get("tagging", {})
    dec = {x["decoding"]: x["dev_f1"] for x in t.get("measured", [])}
    test = m.get("test", {})
    per = test.get("per_type", {})
    types = " / ".join(f"{per[k]['f1']:.3f}" for k in sorted(per))
    rows.append(
        f"| {d.name} | {m['dev']['f1']:.4f} | {test.get('f1', float('nan')):.4f} | "
        f"{test.get('precision', float('nan')):.4f} / {test.get('recall', float('nan')):.4f} | {types} | "
        f"{dec.get('argmax', float('nan')):.4f} / {dec.get('viterbi', float('nan')):.4f} → {t.get('decoding', '?')} | "
        f"{len(m['history'])} (best {m['best_epoch']}) | {m['train_seconds']:.0f} s |"
    )
print("| run | dev F1 | test F1 | test P / R | test F1 LOC / MISC / ORG / PER | dev F1 argmax / Viterbi → kept | epochs | train time |")
print("|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
