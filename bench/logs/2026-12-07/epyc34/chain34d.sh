#!/usr/bin/env bash
# Session 34, issue 13: int8 packages whose attention is written out (math) from 8 rows.
#  1. copies of the main job's run dirs keep session 33's int8 packages (sdpa in bf16);
#  2. both models' int8 packages recompiled (the 32x40 package: math; the 2x16: sdpa; routes timed again);
#  3. the one-run table: every engine, ONNX Runtime and PyTorch, interleaved (as chain33b.sh).
# One private binary (/tmp/dn34b = da8c760), nothing else running.
cd /work/main
L=bench/logs/2026-12-07/epyc34
B=${B:-/tmp/dn34b}
mkdir -p runs/ab34
for m in student teacher; do
  rm -rf runs/ab34/$m; cp -r runs/default/$m runs/ab34/$m
done
for m in student teacher; do
  echo "compile $m start $(date -u +%T)"
  $B compile --model runs/default/$m --precision int8 > $L/compile_int8_$m.log 2>&1
  echo "compile $m rc $? $(date -u +%T)"
  cp runs/default/$m/compiled-int8.json $L/compiled-int8_$m.json
done
echo "table start $(date -u +%T)"
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/table34.json > $L/table34.log 2>&1
echo "rc $? $(date -u +%T)"
echo "end $(date -u +%T)"
