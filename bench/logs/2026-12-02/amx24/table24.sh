#!/bin/bash
# Session 24 (AMX, idle): the one-run table on the current code. fp32 and int8 packages compiled
# here (the bf16 ones by int8_attention.sh, same code); then every engine in one bench run.
set -x
L=bench/logs/2026-12-02/amx24; D=target/release/distilner
for m in student teacher; do
  $D compile --model runs/default/$m --precision fp32 int8 > $L/compile_${m}_fp32_int8.log 2>&1 || exit 1
done
$D bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/table24.json > $L/table24.log 2>&1
