#!/usr/bin/env bash
# Session 34, issue 13: the int8 rows alone with more passes (7), after table34b's batch-1 cells moved most:
# eager int8, int8 packages (written-out attention from 8 rows) and ONNX Runtime, interleaved.
cd /work/main
L=bench/logs/2026-12-07/epyc34
B=${B:-/tmp/dn34c}
echo "start $(date -u +%T)"
$B bench --model runs/default/student --model runs/default/teacher --precision int8 --compiled --onnxruntime \
  --batch 1 8 32 --runs 7 --threads 2 --no-reference --json $L/int8_runs7.json > $L/int8_runs7.log 2>&1
echo "rc $? $(date -u +%T)"
