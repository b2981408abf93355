#!/usr/bin/env bash
# Session 18, after chain18.sh: the same 12-epoch student of teacher_ctx64_long with seed 34 (the student's seed
# only; a second teacher seed takes 96 minutes here). Alone on the machine, binary /tmp/dn.
set -x
L=bench/logs/2026-11-30/amx18
while pgrep -f "chain18.sh" > /dev/null; do sleep 10; done
/usr/bin/time -v /tmp/dn distill --teacher runs/full/teacher_ctx64_long --student-layers 0,2,4 --epochs 12 --patience 3 \
  --seed 34 --out runs/full/student12_of_ctx64_long_s34 --threads 2 \
  > $L/student12_of_ctx64_long_s34.out 2> $L/student12_of_ctx64_long_s34.err
echo "student s34 rc $?"
