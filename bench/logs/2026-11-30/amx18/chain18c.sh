#!/usr/bin/env bash
# Session 18, last: the main job's 6-epoch student recipe from teacher_ctx64_long (seed 33). Alone, binary /tmp/dn.
set -x
L=bench/logs/2026-11-30/amx18
/usr/bin/time -v /tmp/dn distill --teacher runs/full/teacher_ctx64_long --student-layers 0,2,4 --epochs 6 --seed 33 \
  --out runs/full/student6_of_ctx64_long --threads 2 > $L/student6_of_ctx64_long.out 2> $L/student6_of_ctx64_long.err
echo "student6 rc $?"
