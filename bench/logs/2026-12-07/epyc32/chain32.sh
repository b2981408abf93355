#!/usr/bin/env bash
# Session 32, issue 14: a fourth teacher epoch (the ~4.5 minutes the main job freed in session 31). Teachers at 4
# epochs on seeds 33 and 34, the seed-34 teacher at the default 3 (seed 33's is the main job, runs/default), and the
# main job's student (6 epochs, one round of mention replacement) of each, the student's seed = the teacher's.
# Periodic purge (every 100 steps) on, as the code will have it; F1-neutral (purge32*.log).
cd /work/main
L=bench/logs/2026-12-07/epyc32
B=${B:-/tmp/dn32x}
export DISTILNER_PURGE_EVERY=100
mkdir -p runs/te
t() { # epochs seed
  echo "teacher e$1 s$2 start $(date -u +%T)"
  $B finetune --model models/all-MiniLM-L6-v2 --epochs $1 --seed $2 --lr 2e-4 --threads 2 --out runs/te/teacher_e$1_s$2 > $L/teacher_e$1_s$2.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "finetune done" $L/teacher_e$1_s$2.log
}
s() { # teacher-epochs seed
  echo "student of e$1 s$2 start $(date -u +%T)"
  $B distill --teacher runs/te/teacher_e$1_s$2 --student-layers 0,2,4 --epochs 6 --seed $2 --lr 2e-4 --threads 2 \
    --mention-replacement 1 --out runs/te/student_of_e$1_s$2 > $L/student_of_e$1_s$2.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_of_e$1_s$2.log
}
t 4 33; t 4 34; t 3 34
s 4 33; s 4 34; s 3 34
echo "end $(date -u +%T)"
