#!/usr/bin/env bash
# Session 36, issue 14: layer-wise learning-rate decay for the teacher (new: --layer-lr-decay). The main job's
# teacher otherwise (MiniLM-L6, 3 epochs, batch 32, warmup 10%, seed 33); compare with runs/main35/teacher
# (uniform 2e-4: dev 0.9107 argmax at epoch 3, 0.9162 kept decoding; test 0.8726).
cd /work/main
L=bench/logs/2026-12-07/epyc36
B=${B:-/tmp/dn36}
t() { # name, lr, decay
  local n=$1 lr=$2 d=$3; shift 3
  echo "teacher $n start $(date -u +%T)"
  $B finetune --epochs 3 --seed ${SEED:-33} --lr $lr --layer-lr-decay $d --threads 2 "$@" \
    --out runs/llrd/teacher_$n > $L/teacher_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep -E "epoch ./3:|test" $L/teacher_$n.log | tail -5
}
t lr2_d09 2e-4 0.9
t lr2_d08 2e-4 0.8
t lr3_d08 3e-4 0.8
echo "end $(date -u +%T)"
