#!/usr/bin/env bash
# Session 27, issue 13, back on the AMD EPYC kind (2 cores, AVX512-VNNI and AVX512-BF16, no AMX), idle.
# Session 23's int8 change (the packed weight's apply_dynamic, no mask on an unpadded batch) was aimed at this
# CPU's teacher batch 1 (0.88-0.96x ONNX Runtime int8 in sessions 21-22) and has not been timed here.
# The main job's models (trained here first, main_job.log) compiled in each precision, then:
#  1. the one-run table: every engine interleaved, whole test split;
#  2. the teacher's batch 1 alone in int8 against ONNX Runtime int8, twice (16 interleaved engines blur batch 1);
#  3. fp32 alone at batch 1 and 8, both models, twice (the fp32 batch-1 gap against ONNX Runtime fp32);
#  4. the linears alone per row count: fbgemm dynamic int8 vs libtorch's weight-only int8, and MLAS.
set -x
cd /work/main
L=bench/logs/2026-12-02/epyc27
B=${B:-/tmp/dn27}
for m in student teacher; do
  $B compile --model runs/default/$m --precision fp32 bf16 int8 > $L/compile_$m.log 2>&1
  echo "compile $m rc $?"
  for f in runs/default/$m/compiled*.json; do cp $f $L/$(basename $f .json)_$m.json; done
done
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/table27.json > $L/table27.log 2>&1
echo "table rc $?"
for i in 1 2; do
  $B bench --model runs/default/teacher --precision int8 --compiled --onnxruntime --no-reference --batch 1 \
    --runs 3 --threads 2 --json $L/teacher_int8_b1_$i.json > $L/teacher_int8_b1_$i.log 2>&1
  echo "teacher int8 b1 $i rc $?"
  $B bench --model runs/default/student --model runs/default/teacher --precision fp32 --compiled --onnxruntime \
    --no-reference --batch 1 8 --runs 3 --threads 2 --json $L/fp32_b1_$i.json > $L/fp32_b1_$i.log 2>&1
  echo "fp32 b1 $i rc $?"
done
.venv/bin/python bench/int8_weight_only.py 2 6 1,8,19,24,40,160 > $L/int8_weight_only.log 2>&1
.venv-onnx/bin/python bench/ort_int8_linears.py 2 6 1,8,19,24,40,160 > $L/ort_int8_linears.log 2>&1
echo done
