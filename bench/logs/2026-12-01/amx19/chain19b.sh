#!/usr/bin/env bash
# Issue 14 (session 19), after chain19.sh: the hidden-state MSE at full scale, never measured before.
# The 12-epoch student of the seed-33 context-64 teacher with the hidden-state term (weight 1), each student
# layer matched to the teacher layer it stands for in depth (student layer i ↔ teacher layer 2i+1); to compare
# with student12_of_ctx64_long (same teacher, seed, epochs; no hidden term).
L=bench/logs/2026-12-01/amx19
while ! grep -q "two-teacher student rc" $L/chain19.log; do sleep 30; done
set -x
T1=runs/full/teacher_ctx64_long; S=runs/full/student12_of_ctx64_long_hidden
/usr/bin/time -v /tmp/dn distill --teacher $T1 --student-layers 0,2,4 --hidden-mse 1 --hidden-layer-map 1,3,5 \
  --epochs 12 --patience 3 --seed 33 --out $S --threads 2 > $L/student12_of_ctx64_long_hidden.out 2> $L/student12_of_ctx64_long_hidden.err
echo "hidden student rc $?"
