#!/usr/bin/env bash
# Issue 14's ablation at reduced scale: every method alone and combined, same seed, on the first
# $N training sentences of CoNLL-2003 (dev: the first $D; test: the whole test split), one run
# after another. Teachers fine-tune all-MiniLM-L6-v2; students are 3-layer (teacher layers 0,2,4).
# Usage: [BIN=...] bench/ablation.sh OUT [N] [D]; then bench/ablation_table.py OUT prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench/ablation.sh OUT [N] [D]}; N=${2:-3000}; D=${3:-1000}
# BIN: the binary to run. Give a private copy (cp target/release/distilner /tmp/d; BIN=/tmp/d):
# a rebuild while the runs last must not change what they run.
BIN=${BIN:-target/release/distilner}
mkdir -p "$OUT"
common=(--max-train-sentences "$N" --max-dev-sentences "$D" --threads 2)
run() { # name, command...
  local name=$1; shift
  if [ -f "$OUT/$name/metrics.json" ]; then echo "== $name: done before"; return; fi
  rm -rf "${OUT:?}/$name"
  echo "== $name: $*"
  /usr/bin/time -f "$name wall %e s, max RSS %M KB" "$BIN" "$@" --out "$OUT/$name" "${common[@]}" \
    > "$OUT/$name.log" 2>&1 || { echo "$name failed; see $OUT/$name.log"; tail -5 "$OUT/$name.log"; }
  tail -1 "$OUT/$name.log"
}
ft() { echo finetune --model models/all-MiniLM-L6-v2 --epochs "$1" --seed "$2"; }
ds() { echo distill --student-layers 0,2,4 --epochs "$1" --seed 33; }
# shellcheck disable=SC2046 # the helpers' words are flags
run teacher $(ft 3 33)
run teacher_seed34 $(ft 3 34)
run student $(ds 6) --teacher "$OUT/teacher"
run student_attention $(ds 6) --teacher "$OUT/teacher" --attention-kd 1.0
run student_two_teachers $(ds 6) --teacher "$OUT/teacher" --teacher "$OUT/teacher_seed34"
run teacher_context $(ft 3 33) --context 32
run teacher_longer $(ft 8 33) --patience 2
run student_context $(ds 6) --teacher "$OUT/teacher_context" --context 32
run student_longer $(ds 12) --teacher "$OUT/teacher" --patience 2
