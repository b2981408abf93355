#!/usr/bin/env bash
# Issue 14 on this AMX CPU (session 19): the second seed of the chosen teacher combination, and what two
# context-64 teachers teach together.
#   1. teacher, context 64, 8 epochs, patience 2, seed 34 (session 18 ran seed 33);
#   2. its 3-layer student reading sentences alone, 12 epochs, patience 3, seed 33;
#   3. a 3-layer student of both context-64 teachers (seeds 33 and 34), 12 epochs, patience 3, seed 33.
# Run alone on the idle machine, binary copied to /tmp/dn.
set -x
L=bench/logs/2026-12-01/amx19
T1=runs/full/teacher_ctx64_long; T2=runs/full/teacher_ctx64_long_s34
/usr/bin/time -v /tmp/dn finetune --model models/all-MiniLM-L6-v2 --epochs 8 --patience 2 --seed 34 --context 64 \
  --out $T2 --threads 2 > $L/teacher_ctx64_long_s34.out 2> $L/teacher_ctx64_long_s34.err
echo "teacher rc $?"
S=runs/full/student12_of_ctx64_long_s34t
/usr/bin/time -v /tmp/dn distill --teacher $T2 --student-layers 0,2,4 --epochs 12 --patience 3 --seed 33 \
  --out $S --threads 2 > $L/student12_of_ctx64_long_s34t.out 2> $L/student12_of_ctx64_long_s34t.err
echo "student rc $?"
S=runs/full/student12_of_two_ctx64
/usr/bin/time -v /tmp/dn distill --teacher $T1 --teacher $T2 --student-layers 0,2,4 --epochs 12 --patience 3 --seed 33 \
  --out $S --threads 2 > $L/student12_of_two_ctx64.out 2> $L/student12_of_two_ctx64.err
echo "two-teacher student rc $?"
