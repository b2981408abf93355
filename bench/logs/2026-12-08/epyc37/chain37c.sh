#!/bin/bash
# Session 37: the seed-33 student without dropout again, now through the explicit attention that bf16 CPU
# training without dropout takes since 8a72685 (chain37a's ran libtorch's SDPA): its training time, alone.
cd /work/main
B=/tmp/dn37b; L=bench/logs/2026-12-08/epyc37
while ! grep -q "^end" $L/chain37b.log; do sleep 10; done
echo "start d0 explicit $(date -u +%T)"
$B distill --teacher runs/main36/teacher --dropout 0 --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/drop/student_d0_explicit > $L/student_dropout_d0_explicit.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "distill done" $L/student_dropout_d0_explicit.log
echo "end $(date -u +%T)"
