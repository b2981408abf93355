#!/bin/bash
# Session 37: the student's dropout (read from its teacher's config.json: copies of runs/main36/teacher with
# hidden/attention dropout set to D), the main job's student recipe otherwise, seed 33.
cd /work/main
B=/tmp/dn37; L=bench/logs/2026-12-08/epyc37
for d in 0 0.05; do
  echo "start d$d $(date -u +%T)"
  $B distill --teacher runs/drop/teacher_main36_d$d --student-layers 0,2,4 --epochs 6 --seed ${SEED:-33} --lr 2e-4 --threads 2 \
    --mention-replacement 1 --out runs/drop/student_d$d > $L/student_dropout_d$d.log 2>&1
  echo "rc $? $(date -u +%T)"; grep -E "epoch ./6:|distill done" $L/student_dropout_d$d.log
done
echo "end $(date -u +%T)"
