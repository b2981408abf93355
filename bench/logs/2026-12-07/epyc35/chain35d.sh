#!/usr/bin/env bash
# Session 35: after the main job (chain35b.sh), bf16 packages with written-out attention A/B (in-process), then the
# layer-choice students (chain35c.sh). One at a time.
cd /work/main
L=bench/logs/2026-12-07/epyc35
while kill -0 30712 2>/dev/null; do sleep 10; done
for M in teacher student; do
  echo "bf16 packages $M start $(date -u +%T)"
  DTYPE=bfloat16 .venv/bin/python bench/int8_attention_math.py runs/default/$M /tmp/bf16math_$M 8 32 > $L/bf16_attention_math_$M.log 2>&1
  echo "rc $? $(date -u +%T)"
done
bash $L/chain35c.sh
