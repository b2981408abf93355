#!/bin/bash
# Session 22 (AMD EPYC, AVX512-VNNI/BF16, no AMX, 2 cores, idle): where the teacher's int8 batch-1
# time goes, each measurement alternated twice; then one bench run of both models' int8 against
# ONNX Runtime with inference mode in the binary.
set -x
L=bench/logs/2026-12-01/epyc22
BIN=${BIN:-/tmp/dn_new}; EX=${EX:-/tmp/int8_b1_profile}
# The teacher as bench exports it (Optimum, then ONNX Runtime's quantizer with --avx512_vnni).
ORT=/tmp/ort22
if [ ! -f $ORT/int8/model_quantized.onnx ]; then
  .venv-onnx/bin/optimum-cli export onnx --task token-classification --model runs/default/teacher $ORT/fp32
  .venv-onnx/bin/optimum-cli onnxruntime quantize --onnx_model $ORT/fp32 --avx512_vnni -o $ORT/int8
fi
for i in 1 2; do
  SEQ=1,8,19,40 ROUNDS=15 REPS=100 $EX
  .venv-onnx/bin/python bench/ort_b1_lengths.py $ORT/int8/model_quantized.onnx 1,8,19,40 2
  .venv/bin/python bench/int8_engines.py 2 6 1,8,19,40
  .venv-onnx/bin/python bench/ort_int8_linears.py 2 6 1,8,19,40
  DATA=../shared/data/conll2003/eng.testb ROUNDS=5 $EX
done
$BIN bench --model runs/default/student --model runs/default/teacher --precision int8 --onnxruntime \
  --no-reference --batch 1 8 32 --runs 3 --threads 2 --json $L/bench22.json
