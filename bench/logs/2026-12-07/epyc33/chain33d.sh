#!/usr/bin/env bash
# Session 33, issue 13, after chain33c (nothing else running):
#  1. the int8 packages, session 31's (fp32 attention; runs/ab33) against this session's (bf16 attention), in one
#     process, alternating (int8_packages_ab.rs, built as an example: /tmp/ab33/pk_ab), the 32x40 packages, the ones
#     the routes send batches of 8 and 32 to;
#  2. batch 8 alone, int8 and ONNX Runtime, 7 timed passes (the table's cells moved ±20% between runs this session);
#  3. issue 14: --kd-all-tokens (ahead on dev in chain33c, seed 33) on the second seed: the seed-34 teacher of the main
#     job's recipe (runs/te/teacher_e3_s34, session 32) and its student with the flag (without: runs/te/student_of_e3_s34).
cd /work/main
L=bench/logs/2026-12-07/epyc33
B=${B:-/tmp/dn33}
for m in student teacher; do
  echo "packages $m start $(date -u +%T)"
  MODEL=runs/default/$m A=runs/ab33/$m/compiled-int8/model-cpu-int8-32x40.pt2 \
    B=runs/default/$m/compiled-int8/model-cpu-int8-32x40.pt2 ROUNDS=7 /tmp/ab33/pk_ab >> $L/int8_packages_ab.log 2>&1
done
echo "batch 8 start $(date -u +%T)"
$B bench --model runs/default/student --model runs/default/teacher --precision int8 --compiled --onnxruntime \
  --batch 8 --runs 7 --threads 2 --no-reference --json $L/b8_runs7.json > $L/b8_runs7.log 2>&1
echo "rc $? $(date -u +%T)"
echo "student kd_all_tokens s34 start $(date -u +%T)"
$B distill --teacher runs/te/teacher_e3_s34 --student-layers 0,2,4 --epochs 6 --seed 34 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --kd-all-tokens --out runs/kd/student_kd_all_tokens_s34 > $L/student_kd_all_tokens_s34.log 2>&1
echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_kd_all_tokens_s34.log
echo "end $(date -u +%T)"
