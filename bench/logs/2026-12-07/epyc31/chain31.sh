#!/usr/bin/env bash
# Session 31, a new kind of machine: 2 cores of an AMD EPYC family 26 (Zen 5) with AVX512-VNNI and AVX512-BF16,
# no AMX; a checkout without runs, so the main job trains its models here first.
#  1. the main job (timed): the 15-minute budget on this CPU; its teacher and student for everything below;
#  2. issue 13: both models compiled in fp32, bf16 and int8, then the one-run table (every engine interleaved);
#  3. issue 14: the student with two rounds of mention replacement at 4 epochs (the same optimizer steps as one
#     round at 6: 2 x 11,132 added sentences), seeds 33 and 34, and one round at 6 epochs on seed 34, all from
#     the main job's teacher.
cd /work/main
L=bench/logs/2026-12-07/epyc31
B=${B:-/tmp/dn31}
echo "start $(date -u +%T)"
/usr/bin/time -v $B run > $L/main_job.log 2>&1
echo "main job rc $? $(date -u +%T)"
for m in student teacher; do
  $B compile --model runs/default/$m --precision fp32 bf16 int8 > $L/compile_$m.log 2>&1
  echo "compile $m rc $? $(date -u +%T)"
  for f in runs/default/$m/compiled*.json; do cp $f $L/$(basename $f .json)_$m.json; done
done
$B bench --model runs/default/student --model runs/default/teacher --precision fp32 bf16 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --threads 2 --json $L/table31.json > $L/table31.log 2>&1
echo "table rc $? $(date -u +%T)"
for run in "2 4 33" "2 4 34" "1 6 34"; do
  set -- $run
  $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs $2 --seed $3 --lr 2e-4 --threads 2 \
    --mention-replacement $1 --out runs/aug/student_mr$1_e$2_s$3 > $L/student_mr$1_e$2_s$3.log 2>&1
  echo "student mr$1 e$2 s$3 rc $? $(date -u +%T)"
done
echo "done $(date -u +%T)"
