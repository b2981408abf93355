#!/usr/bin/env bash
# Session 33, issue 14: the KD loss's own settings, never swept at full scale. The main job's student of the main
# job's teacher (runs/default/teacher; 6 epochs, one mention round, seed 33) with one setting changed each:
# --kd-all-tokens (KL on every real sub-token, not only each word's first), --alpha 0.9 (default 0.5), and
# --temperature 4 (default 2). Compare with runs/default/student (0.9094 / 0.8659 dev / test).
cd /work/main
L=bench/logs/2026-12-07/epyc33
B=${B:-/tmp/dn33}
mkdir -p runs/kd
s() { # name, extra flags
  local n=$1; shift
  echo "student $n start $(date -u +%T)"
  $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 \
    --mention-replacement 1 "$@" --out runs/kd/student_$n > $L/student_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_$n.log
}
s kd_all_tokens --kd-all-tokens
s alpha09 --alpha 0.9
s t4 --temperature 4
echo "end $(date -u +%T)"
