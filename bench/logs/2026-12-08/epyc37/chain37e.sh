#!/bin/bash
# Session 37: α 0.3 (more weight on the gold tags, less on the KD term) for the main job's student, seeds 33, 35, 34,
# after chain37d (alone).
cd /work/main
B=/tmp/dn37b; L=bench/logs/2026-12-08/epyc37
while ! grep -q "^end" $L/chain37d.log; do sleep 10; done
for s in 33:runs/main36/teacher 35:runs/main37s35/teacher 34:runs/llrd/teacher_lr3_d08_s34; do
  seed=${s%%:*}; t=${s#*:}
  echo "start alpha 0.3 seed $seed $(date -u +%T)"
  $B distill --teacher $t --alpha 0.3 --student-layers 0,2,4 --epochs 6 --seed $seed --lr 2e-4 --threads 2 \
    --mention-replacement 1 --out runs/kd/student_a03_s$seed > $L/student_alpha03_s$seed.log 2>&1
  echo "rc $? $(date -u +%T)"; grep -E "distill done" $L/student_alpha03_s$seed.log
done
echo "end $(date -u +%T)"
