#!/usr/bin/env bash
# Session 35, issue 13: the teacher's batch 1 against ONNX Runtime int8, which table35 had at 0.69x, alone over 7 passes.
cd /work/main
L=bench/logs/2026-12-07/epyc35
B=${B:-/tmp/dn35b}
echo "start $(date -u +%T)"
$B bench --model runs/default/teacher --precision int8 --compiled --onnxruntime --batch 1 --runs 7 --threads 2 \
  --no-reference --json $L/teacher_b1_runs7.json > $L/teacher_b1_runs7.log 2>&1
echo "rc $? $(date -u +%T)"
