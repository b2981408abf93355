#!/bin/bash
# Issue 14, session 25: the 12-epoch student (patience 3, as in sessions 18-20) at lr 2e-4, of each seed's
# lr-2e-4 teacher; then the 3-epoch context-64 teacher at lr 2e-4. Idle, after the clean clone; same binary
# as chain25.sh. (A first start beside the clean clone was stopped: 7x slower per step.)
set -x
D=/tmp/dn25; O=runs/lr; L=bench/logs/2026-12-02/amx25
for s in 33 34; do
  $D distill --teacher $O/teacher_lr2e-4_s$s --student-layers 0,2,4 --epochs 12 --patience 3 --seed $s --lr 2e-4 --threads 2 --out $O/student12_lr2e-4_of_lr2e-4_s$s > $L/student12_lr2e-4_of_lr2e-4_s$s.log 2>&1
done
$D finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed 33 --lr 2e-4 --context 64 --threads 2 --out $O/teacher_ctx64_lr2e-4_s33 > $L/teacher_ctx64_lr2e-4_s33.log 2>&1
