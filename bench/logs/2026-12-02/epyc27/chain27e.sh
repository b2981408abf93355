#!/usr/bin/env bash
# Issue 14, session 27 (EPYC, idle): the 12-epoch control's second seed (seed 34), as chain27d.sh.
set -x
cd /work/main
D=${D:-/tmp/dn27}; L=bench/logs/2026-12-02/epyc27; O=runs/aug; T=runs/default/teacher
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 12 --seed 34 --lr 2e-4 --threads 2 \
  --out $O/student_base12_s34 > $L/student_base12_s34.log 2>&1
echo done
