#!/usr/bin/env bash
# Session 36, issue 14: weight averaging (new: --ema-decay; the average is scored on dev and kept) for the teacher
# (seed 33, the main job's teacher otherwise; compare runs/main35/teacher: dev 0.9108 argmax / 0.9162 kept, test
# 0.8726), then the main job's student (0,2,4, 6 epochs, seed 33, T 4, one mention round) of runs/main35/teacher
# with layer-wise decay 0.9 and with weight averaging (compare runs/main35/student: dev 0.9104, test 0.8665).
cd /work/main
L=bench/logs/2026-12-07/epyc36
B=${B:-/tmp/dn36b}
t() { # name, extra flags
  local n=$1; shift
  echo "teacher $n start $(date -u +%T)"
  $B finetune --epochs 3 --seed ${SEED:-33} --lr 2e-4 --threads 2 "$@" \
    --out runs/ema/teacher_$n > $L/teacher_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep -E "epoch ./3:|test" $L/teacher_$n.log | tail -4
}
s() { # name, teacher, extra flags
  local n=$1 t=$2; shift 2
  echo "student $n start $(date -u +%T)"
  $B distill --teacher $t --student-layers 0,2,4 --epochs 6 --seed ${SEED:-33} --lr 2e-4 --threads 2 \
    --mention-replacement 1 "$@" --out runs/ema/student_$n > $L/student_$n.log 2>&1
  echo "rc $? $(date -u +%T)"; grep -E "epoch ./6:|distill done" $L/student_$n.log
}
t ema0995 --ema-decay 0.995
t ema0999 --ema-decay 0.999
s d09_of_main35 runs/main35/teacher --layer-lr-decay 0.9
s ema0999_of_main35 runs/main35/teacher --ema-decay 0.999
echo "end $(date -u +%T)"
