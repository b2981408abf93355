#!/usr/bin/env bash
# Session 36, issue 14: weight averaging again, bias-corrected (commit "optim: the weight average bias-corrected"):
# chain36c's two teachers ran with TensorFlow's warm-up, which capped the decay at 0.993 for the whole run, so
# 0.995 and 0.999 were the same run. The main job's teacher (seed 33) and student (of runs/main35/teacher) with
# --ema-decay 0.999; compare runs/main35/{teacher,student}.
cd /work/main
L=bench/logs/2026-12-07/epyc36
B=${B:-/tmp/dn36c}
echo "teacher bc0999 start $(date -u +%T)"
$B finetune --epochs 3 --seed ${SEED:-33} --lr 2e-4 --threads 2 --ema-decay 0.999 \
  --out runs/ema/teacher_bc0999 > $L/teacher_bc0999.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "epoch ./3:|test" $L/teacher_bc0999.log | tail -4
echo "student bc0999_of_main35 start $(date -u +%T)"
$B distill --teacher runs/main35/teacher --student-layers 0,2,4 --epochs 6 --seed ${SEED:-33} --lr 2e-4 --threads 2 \
  --mention-replacement 1 --ema-decay 0.999 --out runs/ema/student_bc0999_of_main35 > $L/student_bc0999_of_main35.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "epoch ./6:|distill done" $L/student_bc0999_of_main35.log
echo "end $(date -u +%T)"
