#!/bin/bash
# Issue 14, session 26: the second seed (34) of session 25's 3-epoch context-64 teacher at lr 2e-4 (seed 33: 0.8779
# test, 0.9194 dev). Idle; same binary as chain26.sh.
set -x
D=/tmp/dn26_old; L=bench/logs/2026-12-02/amx26
/usr/bin/time -v $D finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed 34 --lr 2e-4 --context 64 --threads 2 --out runs/lr/teacher_ctx64_lr2e-4_s34 > $L/teacher_ctx64_lr2e-4_s34.log 2>&1
