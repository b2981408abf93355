#!/usr/bin/env bash
# Session 12: a document-context teacher trained on this CPU (fp32), then a 3-layer student that reads
# sentences alone, taught from the teacher's context windows (distill's default since session 12).
# Stopped by hand at batch 43 of 439 of epoch 1: 6.8 s a step, an ETA of 45 minutes an epoch, over two hours for
# the teacher alone, past what the session had left. The same experiment is in bench/gpu_quality.sh for a lent GPU.
set -x
cd /work/main
B=/tmp/full/distilner12
L=bench/logs/2026-11-30/cpu12
$B finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed 33 --context 64 --out runs/full/teacher3_ctx64 --threads 2 > $L/teacher3_ctx64.out 2> $L/teacher3_ctx64.err
$B distill --teacher runs/full/teacher3_ctx64 --student-layers 0,2,4 --epochs 6 --seed 33 --out runs/full/student6_tctx64 --threads 2 > $L/student6_tctx64.out 2> $L/student6_tctx64.err
