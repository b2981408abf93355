#!/usr/bin/env bash
# Session 36, issue 14: the two level-or-better layer-wise decays of chain36a on seed 34 (SEED=34). Compare with
# runs/te/teacher_e3_s34 (session 32, uniform 2e-4: dev 0.9062 argmax, 0.9133 kept; test 0.8759).
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
t lr2_d09_s34 2e-4 0.9

t lr3_d08_s34 3e-4 0.8
echo "end $(date -u +%T)"
