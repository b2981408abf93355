#!/bin/bash
# Issue 14, session 25: the chosen combination (lr 2e-4 for teacher and student), two seeds: each
# student distils the lr-2e-4 teacher of its own seed. After chain25.sh, same binary.
set -x
D=/tmp/dn25; O=runs/lr; L=bench/logs/2026-12-02/amx25
while pgrep -f chain25.sh >/dev/null; do sleep 10; done
for s in 33 34; do
  $D distill --teacher $O/teacher_lr2e-4_s$s --student-layers 0,2,4 --epochs 6 --seed $s --lr 2e-4 --threads 2 --out $O/student_lr2e-4_of_lr2e-4_s$s > $L/student_lr2e-4_of_lr2e-4_s$s.log 2>&1
done
