#!/usr/bin/env bash
# Session 13 (no GPU lent): document context at 32 sub-tokens a side on this CPU, full CoNLL-2003, the main job's
# recipe otherwise (3 + 6 epochs, seed 33, fp32 on AVX2). The teacher reads context; its 3-layer student reads
# sentences alone and is taught from the teacher's context windows (distill's default since session 12).
# Compare: teacher3 (no context, 0.8692 test) and student6 (its student, 0.8585 test).
set -x
cd /work/main
B=/tmp/full/distilner13
L=bench/logs/2026-11-30/cpu13
$B finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed 33 --context 32 --out runs/full/teacher3_ctx32 --threads 2 > $L/teacher3_ctx32.out 2> $L/teacher3_ctx32.err
$B distill --teacher runs/full/teacher3_ctx32 --student-layers 0,2,4 --epochs 6 --seed 33 --out runs/full/student6_tctx32 --threads 2 > $L/student6_tctx32.out 2> $L/student6_tctx32.err
