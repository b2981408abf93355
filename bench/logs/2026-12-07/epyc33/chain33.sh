#!/usr/bin/env bash
# Session 33, issue 14: the student of a mention-replacement teacher (left open by session 30, whose AVX2
# machine trained the teacher in fp32 but not its student). The main job's teacher recipe with one round of
# mention replacement (seed 33), then the main job's student of it (6 epochs, one round, seed 33); compare with
# runs/default (teacher 0.9162 / 0.8726, student 0.9094 / 0.8659 dev / test).
cd /work/main
L=bench/logs/2026-12-07/epyc33
B=${B:-/tmp/dn32}
mkdir -p runs/mr
echo "teacher mr1 s33 start $(date -u +%T)"
$B finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed 33 --lr 2e-4 --threads 2 --mention-replacement 1 \
  --out runs/mr/teacher_mr1_s33 > $L/teacher_mr1_s33.log 2>&1
echo "rc $? $(date -u +%T)"; grep "finetune done" $L/teacher_mr1_s33.log
echo "student start $(date -u +%T)"
$B distill --teacher runs/mr/teacher_mr1_s33 --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/mr/student_of_mr1_s33 > $L/student_of_mr1_s33.log 2>&1
echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_of_mr1_s33.log
echo "end $(date -u +%T)"
