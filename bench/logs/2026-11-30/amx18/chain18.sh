#!/usr/bin/env bash
# Issue 14 on this AMX CPU (session 18): bench/gpu_quality.sh's first two steps, which had waited for a GPU.
# Here a teacher epoch is 95 s without context (bf16 on AMX), against 438 s on the AVX2 machine of sessions 7-13.
#   1. teacher, context 64, 8 epochs, patience 2, seed 33;
#   2. its 3-layer student reading sentences alone, 12 epochs, patience 3.
# Run alone on the idle machine, binary copied to /tmp/dn.
set -x
L=bench/logs/2026-11-30/amx18
T=runs/full/teacher_ctx64_long; S=runs/full/student12_of_ctx64_long
/usr/bin/time -v /tmp/dn finetune --model models/all-MiniLM-L6-v2 --epochs 8 --patience 2 --seed 33 --context 64 \
  --out $T --threads 2 > $L/teacher_ctx64_long.out 2> $L/teacher_ctx64_long.err
echo "teacher rc $?"
/usr/bin/time -v /tmp/dn distill --teacher $T --student-layers 0,2,4 --epochs 12 --patience 3 --seed 33 \
  --out $S --threads 2 > $L/student12_of_ctx64_long.out 2> $L/student12_of_ctx64_long.err
echo "student rc $?"
