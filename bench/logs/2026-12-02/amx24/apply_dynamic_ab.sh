#!/bin/bash
# Session 24 (AMX): eager int8 before (c0422b8: boxed quantized::linear_dynamic, mask on every
# batch) and after 865eefe (the packed weight's apply_dynamic; no mask on unpadded batches),
# both models, with ONNX Runtime int8 interleaved in each run; alternated twice.
set -x
OLD=${OLD:-/tmp/distilner_c0422b8}; NEW=${NEW:-/tmp/distilner_865eefe}; L=bench/logs/2026-12-02/amx24
for i in 1 2; do
  for b in OLD NEW; do
    ${!b} bench --model runs/default/student --model runs/default/teacher --precision int8 --onnxruntime \
      --no-reference --batch 1 8 32 --runs 3 --threads 2 --json $L/ab_${b}_$i.json > $L/ab_${b}_$i.log 2>&1
  done
done
