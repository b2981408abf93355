#!/usr/bin/env bash
# Session 31, after chain31c.sh: two rounds of mention replacement at 4 epochs on seeds 35 and 36 (stopped after
# seed 35 for the session's time: chain31d.log; seeds 33-34
# split on dev: +0.53 and -0.13 against one round at 6 epochs). A release build ran beside these, so their
# training times are not timings; their F1s are.
cd /work/main
L=bench/logs/2026-12-07/epyc31
B=${B:-/tmp/dn31}
echo "start $(date -u +%T)"
for s in 35 36; do
  $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 4 --seed $s --lr 2e-4 --threads 2 \
    --mention-replacement 2 --out runs/aug/student_mr2_e4_s$s > $L/student_mr2_e4_s$s.log 2>&1
  echo "student mr2 e4 s$s rc $? $(date -u +%T)"
done
echo "done $(date -u +%T)"
