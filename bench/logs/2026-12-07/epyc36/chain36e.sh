#!/usr/bin/env bash
# Session 36, issue 14: the student (the main job's recipe, seed 33) of the layer-decay teacher that led on test on
# both seeds (3e-4, D 0.8: runs/llrd/teacher_lr3_d08, test 0.8750 against 0.8726, dev level); compare
# runs/main35/student (dev 0.9104, test 0.8665).
cd /work/main
L=bench/logs/2026-12-07/epyc36
B=${B:-/tmp/dn36c}
echo "student of_lr3_d08 start $(date -u +%T)"
$B distill --teacher runs/llrd/teacher_lr3_d08 --student-layers 0,2,4 --epochs 6 --seed ${SEED:-33} --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/llrd/student_of_lr3_d08 > $L/student_of_lr3_d08.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "epoch ./6:|distill done" $L/student_of_lr3_d08.log
echo "end $(date -u +%T)"
