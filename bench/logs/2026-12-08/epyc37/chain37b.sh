#!/bin/bash
# Session 37: the student without dropout on seed 34 (of session 36's 3e-4 / D 0.8 teacher, seed 34), then the
# main job on seed 35 (a third seed for the teacher's defaults) and its student without dropout.
cd /work/main
B=/tmp/dn37; L=bench/logs/2026-12-08/epyc37
while ! grep -q "^end" $L/chain37a.log; do sleep 10; done
echo "start s34 d0 $(date -u +%T)"
$B distill --teacher runs/drop/teacher_lr3_d08_s34_d0 --student-layers 0,2,4 --epochs 6 --seed 34 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/drop/student_s34_d0 > $L/student_dropout_s34_d0.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "distill done" $L/student_dropout_s34_d0.log
echo "start main s35 $(date -u +%T)"
/usr/bin/time -v $B run --seed 35 --out runs/main37s35 > $L/main37_seed35.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "done|F1" $L/main37_seed35.log | tail -4
t=runs/drop/teacher_main37s35_d0
cp -al runs/main37s35/teacher $t && rm $t/config.json && .venv/bin/python -c "
import json
c=json.load(open('runs/main37s35/teacher/config.json')); c['hidden_dropout_prob']=0.0; c['attention_probs_dropout_prob']=0.0
json.dump(c,open('$t/config.json','w'),indent=2)"
echo "start s35 d0 $(date -u +%T)"
$B distill --teacher $t --student-layers 0,2,4 --epochs 6 --seed 35 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --out runs/drop/student_s35_d0 > $L/student_dropout_s35_d0.log 2>&1
echo "rc $? $(date -u +%T)"; grep -E "distill done" $L/student_dropout_s35_d0.log
echo "end $(date -u +%T)"
