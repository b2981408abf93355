#!/usr/bin/env bash
# Session 32, issue 14: the four MiniLM teachers now on disk (seeds 33/34 x 3/4 epochs) as one multi-teacher target
# (mean of their softened distributions), the student built from the best-on-dev one (the main job's), main-job
# student settings otherwise. Beyond the main job's budget (the teachers cost ~3.5 min each): a quality row.
cd /work/main
L=bench/logs/2026-12-07/epyc32
B=${B:-/tmp/dn32}
echo "start $(date -u +%T)"
$B distill --teacher runs/default/teacher --teacher runs/te/teacher_e4_s33 --teacher runs/te/teacher_e3_s34 \
  --teacher runs/te/teacher_e4_s34 --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/te/student_4teachers_s33 > $L/student_4teachers_s33.log 2>&1
echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_4teachers_s33.log
