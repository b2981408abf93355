#!/usr/bin/env bash
# Issue 14's document context at full scale, on a lent GPU (device `run`, carry ["gpu"]): the main job's teacher
# recipe (all-MiniLM-L6-v2, 3 epochs, seed 33) with 64 sub-tokens of document context a side, then without,
# same precision (bf16 mixed) and device, so the pair differs only in the context. Prepare gpu/ here first with
# `bench/gpu_prepare.sh models/all-MiniLM-L6-v2:base`: the binary (xz), the encoder in bf16, CoNLL-2003.
# Results: $OUT/results.tgz, re-packed after each run.
set -x
G=gpu R=/tmp/ctx_results
DEV=${DEV:-cuda} EPOCHS=${EPOCHS:-3} MAXTRAIN=${MAXTRAIN:-0} CONTEXTS=${CONTEXTS:-64 0}
. bench/gpu_env.sh
for c in $CONTEXTS; do
  timeout 200 $B finetune --model $G/base --train $G/data/eng.train --dev $G/data/eng.testa --test $G/data/eng.testb \
    --epochs "$EPOCHS" --seed 33 --context "$c" --device "$DEV" --threads 8 --max-train-sentences "$MAXTRAIN" \
    --out /tmp/teacher_ctx$c > "$R/teacher_ctx$c.out" 2> "$R/teacher_ctx$c.err"
  echo "context $c rc $?"; tail -1 "$R/teacher_ctx$c.out"
  grep -E "epoch [0-9]+/[0-9]+:" "$R/teacher_ctx$c.err" | grep -v "batch "
  cp /tmp/teacher_ctx$c/README.md "$R/teacher_ctx${c}_card.md"; cp /tmp/teacher_ctx$c/metrics.json "$R/teacher_ctx${c}_metrics.json"
  pack
done
