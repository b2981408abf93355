#!/usr/bin/env bash
# Two distilner binaries, the same tiny runs, the results compared bit for bit: a refactor of the training
# path must not change a single weight. A MiniLM fine-tune (300 sentences, 3 epochs), then a distil run with
# two teachers, the hidden-state MSE and attention KD (2 epochs); one thread, fixed seed.
#   bench/same_weights.sh OLD_BINARY NEW_BINARY [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2 W=${3:-$(mktemp -d)}
D=../shared/data/conll2003
C="--train $D/eng.train --dev $D/eng.testa --max-train-sentences 300 --max-dev-sentences 100 --threads 1 --seed 7"
for tag in old new; do
  B=$OLD; [ $tag = new ] && B=$NEW
  O=$W/$tag; rm -rf "$O"; mkdir -p "$O"
  $B finetune --model models/all-MiniLM-L6-v2 $C --epochs 3 --lr 5e-4 --out $O/t > $O/t.log 2>&1
  $B distill --teacher $O/t --teacher $O/t --student-layers 0,3 $C --epochs 2 --min-teacher-f1 0 \
    --hidden-mse 0.5 --attention-kd 0.2 --out $O/s > $O/s.log 2>&1
done
status=0
for r in t s; do
  for f in model.safetensors tagging.json; do
    if cmp -s $W/old/$r/$f $W/new/$r/$f; then echo "$r/$f identical"; else echo "$r/$f DIFFERS"; status=1; fi
  done
  python3 - "$W/old/$r/metrics.jsonl" "$W/new/$r/metrics.jsonl" "$r" <<'PY' || status=1
import json, sys
rows = [[{k: v for k, v in json.loads(l).items() if k != "train_seconds"} for l in open(p)] for p in sys.argv[1:3]]
same = rows[0] == rows[1]
print(f"{sys.argv[3]}/metrics.jsonl", "identical" if same else "DIFFERS", f"({len(rows[0])} rows, train_seconds aside)")
sys.exit(0 if same else 1)
PY
done
exit $status
