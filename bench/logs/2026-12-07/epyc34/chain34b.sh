#!/usr/bin/env bash
# Session 34, issue 14: the temperature around the new default 4 — T 6 and T 3 on the main job's student, seed 33,
# the same command as session 33's sweep (chain33c.sh). Compare with runs/kd/student_t4 (0.9108 / 0.8680).
cd /work/main
L=bench/logs/2026-12-07/epyc34
B=${B:-/tmp/dn34}
s() { # name, extra flags
  local n=$1; shift
  echo "student $n start $(date -u +%T)"
  $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 \
    --mention-replacement 1 "$@" --out runs/kd/student_$n > $L/student_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_$n.log
}
s t6 --temperature 6
s t3 --temperature 3
echo "end $(date -u +%T)"
