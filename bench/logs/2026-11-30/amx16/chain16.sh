#!/usr/bin/env bash
# Session 16, issue 13, on the 2-core AMX machine (AVX512-VNNI, AVX512-BF16, AMX): after `distilner compile
# --precision int8` on the main job's models (static PT2E int8 through torchao's x86 quantizer, 512 dev sentences of
# calibration, AOTInductor), with the inference commands holding 4,096 oneDNN primitives (64 before): distilner eager
# fp32/bf16/int8, distilner compiled fp32/bf16/int8 (session 15's fp32 and bf16 packages), ONNX Runtime fp32/int8
# (optimum-cli export, --avx512_vnni quantization) and PyTorch eager, in one bench run over the whole test split.
# Idle machine.
set -x
cd /work/main
L=bench/logs/2026-11-30/amx16
B=${B:-/tmp/full/distilner16c}
for m in student teacher; do cp runs/default/$m/compiled-int8.json $L/compiled-int8_$m.json; done
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/bench16.json
