#!/usr/bin/env bash
# Session 15, issue 13, on a 2-core machine with AVX512-VNNI, AVX512-BF16 and AMX (int8 and bf16 tiles): compile
# the main job's models (AOTInductor, fp32 and bf16, two tuned packages each, routes measured here), then distilner
# eager (fp32, bf16, int8 with fbgemm below 128 rows and oneDNN/AMX from 128), distilner compiled fp32 and bf16
# (routed), ONNX Runtime
# fp32/int8 (optimum-cli export, --avx512_vnni quantization) and PyTorch eager, in one bench run over the whole
# test split. Idle machine.
set -x
cd /work/main
L=bench/logs/2026-11-30/amx15
B=${B:-/tmp/full/distilner15c}
for m in student teacher; do $B compile --model runs/default/$m > $L/compile_$m.log 2>&1; cp runs/default/$m/compiled.json $L/compiled_$m.json; cp runs/default/$m/compiled-bf16.json $L/compiled-bf16_$m.json; done
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/bench15.json
