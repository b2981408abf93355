#!/bin/bash
# Session 22: the teacher's eager int8 at batch 1 under no_grad (session 21's binary, OLD) and
# under inference mode (NEW), each in a run with ONNX Runtime int8 interleaved; alternated twice.
set -x
OLD=${OLD:-/tmp/dn}; NEW=${NEW:-/tmp/dn_new}; L=bench/logs/2026-12-01/epyc22
for i in 1 2; do
  for b in OLD NEW; do
    ${!b} bench --model runs/default/teacher --precision int8 --onnxruntime --no-reference --batch 1 --runs 3 --threads 2 > $L/infmode_${b}_$i.log 2>&1
  done
done
