#!/usr/bin/env bash
# Session 33, issue 13: int8 with attention in bf16 (eager since be6a764, packages since ee20034).
#  1. copies of the main job's run dirs keep session 31's int8 packages (fp32 attention, routes timed on the old eager);
#  2. both models' int8 packages recompiled (bf16 attention, routes timed on the new eager);
#  3. old against new packages in one bench run (interleaved), int8 only;
#  4. the one-run table: every engine, ONNX Runtime and PyTorch, interleaved.
# One private binary (/tmp/dn33 = ee20034), nothing else running.
cd /work/main
L=bench/logs/2026-12-07/epyc33
B=${B:-/tmp/dn33}
mkdir -p runs/ab33
for m in student teacher; do
  rm -rf runs/ab33/$m; cp -r runs/default/$m runs/ab33/$m   # session 31's packages, fp32 attention
done
for m in student teacher; do
  echo "compile $m start $(date -u +%T)"
  $B compile --model runs/default/$m --precision int8 > $L/compile_int8_$m.log 2>&1
  echo "compile $m rc $? $(date -u +%T)"
  cp runs/default/$m/compiled-int8.json $L/compiled-int8_$m.json
done
echo "old vs new packages start $(date -u +%T)"
$B bench --model runs/ab33/student --model runs/default/student --model runs/ab33/teacher --model runs/default/teacher \
  --precision int8 --compiled --batch 1 8 32 --runs 3 --threads 2 --no-reference --json $L/old_new_int8.json > $L/old_new_int8.log 2>&1
echo "rc $? $(date -u +%T)"
echo "table start $(date -u +%T)"
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/table33.json > $L/table33.log 2>&1
echo "rc $? $(date -u +%T)"
echo "end $(date -u +%T)"
