#!/usr/bin/env bash
# Session 35, issue 14: the layer map on a second seed — the seed-34 teacher of the main job's recipe (runs/te/teacher_e3_s34,
# session 32) and its students from layers 0,2,4 (default) and 0,2,5, seed 34, otherwise as chain35c.sh. Alone.
cd /work/main
L=bench/logs/2026-12-07/epyc35
B=${B:-/tmp/dn35}
s() { # name, layers
  local n=$1 layers=$2
  echo "student $n start $(date -u +%T)"
  $B distill --teacher runs/te/teacher_e3_s34 --student-layers $layers --epochs 6 --seed 34 --lr 2e-4 --threads 2 \
    --mention-replacement 1 --out runs/layers/student_$n > $L/student_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_$n.log
}
s l024_s34 0,2,4
s l025_s34 0,2,5
echo "end $(date -u +%T)"
