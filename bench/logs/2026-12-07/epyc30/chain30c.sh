#!/usr/bin/env bash
# Session 30 (AVX2-only EPYC, fp32, idle): the teacher recipe on seed 34, without and with --mention-replacement 1.
set -x
cd /work/main
D=${D:-/tmp/dn30}; L=bench/logs/2026-12-07/epyc30
/usr/bin/time -v $D finetune --seed 34 --out runs/teacher_s34 > $L/teacher_s34.log 2>&1
/usr/bin/time -v $D finetune --seed 34 --mention-replacement 1 --out runs/teacher_mr1_s34 > $L/teacher_mr1_s34.log 2>&1
echo done
