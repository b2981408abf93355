#!/bin/bash
# Session 17 (issue 13): int8 packages with attention in bf16 (AMX machine): compile, score, time
# against bf16 compiled. Stopped after the compiles: both failed the logits check (8.04 and 6.63 against a
# tolerance of 2), so nothing was scored or timed, and the change was reverted.
set -x
B=/tmp/b1/distilner17b
L=bench/logs/2026-11-30/amx17
for m in student teacher; do
  $B compile --model runs/default/$m --precision int8 > $L/compile_${m}_int8_attn_bf16.log 2>&1
  cp runs/default/$m/compiled-int8.json $L/${m}_compiled-int8.json
  for s in validation test; do
    $B eval --model runs/default/$m --precision int8 --engine compiled --split $s > $L/eval_${m}_int8_$s.log 2>&1
  done
done
for m in student teacher; do
  $B bench --model runs/default/$m --precision bf16 int8 --compiled --no-reference --batch 1 8 32 \
    --json $L/lowp2_$m.json > $L/lowp2_$m.log 2>&1
done
