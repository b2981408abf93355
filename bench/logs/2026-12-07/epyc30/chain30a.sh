#!/usr/bin/env bash
# Issue 14, session 30 (EPYC, idle): mention replacement for the teacher too.
# 1. The main job with --mention-replacement 1 (the teacher's; the student keeps its default 1), seed 33;
#    against session 29's main job (teacher without it: 0.9162 dev, 0.8726 test; student 0.9094 / 0.8659).
# 2. The main job's teacher recipe alone on seed 34, without and with it.
set -x
cd /work/main
D=${D:-/tmp/dn30}; L=bench/logs/2026-12-07/epyc30
/usr/bin/time -v $D run --mention-replacement 1 --out runs/tmr1 > $L/main_tmr1.log 2>&1
/usr/bin/time -v $D finetune --seed 34 --out runs/teacher_s34 > $L/teacher_s34.log 2>&1
/usr/bin/time -v $D finetune --seed 34 --mention-replacement 1 --out runs/teacher_mr1_s34 > $L/teacher_mr1_s34.log 2>&1
echo done
