#!/bin/bash
# Session 37, issue 13: the teacher's two open cells (batch 1 against ONNX Runtime int8; int8 / bf16 compiled at
# batch 32), one bench run over 7 passes, alone, after chain37c.
cd /work/main
B=/tmp/dn37b; L=bench/logs/2026-12-08/epyc37
while ! grep -q "^end" $L/chain37c.log; do sleep 10; done
echo "start $(date -u +%T)"
$B bench --model runs/default/teacher --precision bf16 int8 --compiled --onnxruntime --batch 1 32 --runs 7 --threads 2 \
  --no-reference --json $L/teacher_runs7.json > $L/teacher_runs7.log 2>&1
echo "rc $? $(date -u +%T)"
echo "end $(date -u +%T)"
