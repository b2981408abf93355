#!/usr/bin/env bash
# Session 35, issue 13: after chain35d.sh and the clean-clone test — both models' bf16 packages recompiled (32x40: written-out attention;
# routes timed again against the new eager bf16), then the one-run table: every engine, ONNX Runtime and PyTorch,
# interleaved (as chain34d.sh). One private binary (/tmp/dn35b = 7cf2dd6), nothing else running.
cd /work/main
L=bench/logs/2026-12-07/epyc35
B=${B:-/tmp/dn35b}
while kill -0 31607 2>/dev/null || kill -0 26676 2>/dev/null; do sleep 10; done
for m in student teacher; do
  echo "compile $m start $(date -u +%T)"
  $B compile --model runs/default/$m --precision bf16 > $L/compile_bf16_$m.log 2>&1
  echo "compile $m rc $? $(date -u +%T)"
  cp runs/default/$m/compiled-bf16.json $L/compiled-bf16_$m.json
done
echo "table start $(date -u +%T)"
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/table35.json > $L/table35.log 2>&1
echo "rc $? $(date -u +%T)"
echo "end $(date -u +%T)"
