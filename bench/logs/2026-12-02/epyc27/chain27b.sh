#!/usr/bin/env bash
# Session 27 (EPYC, idle), after chain27.sh: the table gave the student's batch 1 in int8 at 0.97x ONNX Runtime int8
# (16 engines interleaved), and the focused runs showed ONNX Runtime's own batch-1 figure moving 539-750 from run to
# run. So both models' int8 at batch 1, alone with ONNX Runtime, three times each, alternating.
set -x
cd /work/main
L=bench/logs/2026-12-02/epyc27
B=${B:-/tmp/dn27}
for i in 1 2 3; do
  for m in student teacher; do
    $B bench --model runs/default/$m --precision int8 --compiled --onnxruntime --no-reference --batch 1 \
      --runs 3 --threads 2 --json $L/b1_int8_${m}_$i.json > $L/b1_int8_${m}_$i.log 2>&1
    echo "$m int8 b1 $i rc $?"
  done
done
