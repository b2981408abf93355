#!/usr/bin/env bash
# Issue 14, session 27 (EPYC, idle), after chain27c.sh: the same-cost control. The labelled mention set doubles the
# sentences per epoch (25,173 against 14,041), so its 6 epochs cost about what 12 epochs of the plain recipe cost
# (session 26: the soft-label form was level with 12 epochs). 12 epochs, seed 33, same teacher.
set -x
cd /work/main
D=${D:-/tmp/dn27}; L=bench/logs/2026-12-02/epyc27; O=runs/aug; T=runs/default/teacher
while pgrep -f chain27c.sh > /dev/null; do sleep 10; done
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 12 --seed 33 --lr 2e-4 --threads 2 \
  --out $O/student_base12_s33 > $L/student_base12_s33.log 2>&1
echo done
