#!/usr/bin/env bash
# Session 21, issue 13, on a new kind of machine: 2 cores of an AMD EPYC with AVX512-VNNI and AVX512-BF16 and
# no AMX (sessions 15-20 ran on an Intel Xeon with AMX). The main job's models (trained here first, main_job.log)
# compiled in each precision (AOTInductor; int8 static PT2E, 512 dev sentences of calibration), then one bench
# run: distilner eager and compiled fp32/bf16/int8, ONNX Runtime fp32/int8 (optimum-cli export, --avx512_vnni
# quantization) and PyTorch eager, interleaved, whole test split. Idle machine.
set -x
cd /work/main
L=bench/logs/2026-12-01/epyc21
B=${B:-/tmp/b21/distilner21}
for m in student teacher; do
  for p in fp32 bf16 int8; do
    $B compile --model runs/default/$m --precision $p > $L/compile_${m}_$p.log 2>&1
    echo "compile $m $p rc $?"
  done
  for f in runs/default/$m/compiled*.json; do cp $f $L/$(basename $f .json)_$m.json; done
done
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/bench21.json
echo "bench rc $?"
