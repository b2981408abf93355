#!/usr/bin/env bash
# Session 35, issue 14: which teacher layers the 3-layer student keeps. The default 0,2,4 leaves out the teacher's last
# layer (5), the one its classifier (copied into the student) was trained on; DistilBERT's own 12 → 6 map keeps it.
# The main job's student otherwise (seed 33, T 4, one mention round) of the main job's teacher as re-run this session
# (runs/main35/teacher); compare with runs/main35/student (0,2,4).
cd /work/main
L=bench/logs/2026-12-07/epyc35
B=${B:-/tmp/dn35}
s() { # name, layers, extra flags
  local n=$1 layers=$2; shift 2
  echo "student $n start $(date -u +%T)"
  $B distill --teacher runs/main35/teacher --student-layers $layers --epochs 6 --seed ${SEED:-33} --lr 2e-4 --threads 2 \
    --mention-replacement 1 "$@" --out runs/layers/student_$n > $L/student_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_$n.log
}
s l025 0,2,5
s l135 1,3,5
echo "end $(date -u +%T)"
