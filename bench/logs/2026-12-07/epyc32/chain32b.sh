#!/usr/bin/env bash
# Session 32, issue 14: the freed minutes spent on the student instead: 8 epochs (one mention round, as the main
# job) of the seed-33 and seed-34 3-epoch teachers, against the 6-epoch students of chain32.sh / the main job.
cd /work/main
L=bench/logs/2026-12-07/epyc32
B=${B:-/tmp/dn32}
s() { # teacher-dir seed
  echo "student e8 of $1 s$2 start $(date -u +%T)"
  $B distill --teacher $1 --student-layers 0,2,4 --epochs 8 --seed $2 --lr 2e-4 --threads 2 \
    --mention-replacement 1 --out runs/te/student_e8_s$2 > $L/student_e8_s$2.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_e8_s$2.log
}
s runs/default/teacher 33; s runs/te/teacher_e3_s34 34
echo "end $(date -u +%T)"
