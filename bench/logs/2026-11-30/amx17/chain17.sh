#!/bin/bash
# Session 17 (issue 13): the fp32 packages with query/key/value fused, against ONNX Runtime fp32, and
# int8 against bf16 on the compiled packages in runs of their own. Idle machine, 2 threads.
set -x
B=/tmp/b1/distilner17
L=bench/logs/2026-11-30/amx17
$B compile --model runs/default/teacher --precision fp32 > $L/compile_teacher_fp32.log 2>&1
for m in student teacher; do
  $B bench --model runs/default/$m --precision fp32 --compiled --onnxruntime --no-reference --batch 1 8 32 \
    --json $L/fp32_$m.json > $L/fp32_$m.log 2>&1
  $B bench --model runs/default/$m --precision bf16 int8 --compiled --no-reference --batch 1 8 32 \
    --json $L/lowp_$m.json > $L/lowp_$m.log 2>&1
done
