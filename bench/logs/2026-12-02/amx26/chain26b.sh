#!/bin/bash
# Issue 14, session 26: a transfer set from the training split by mention replacement (bench/augment_mentions.py,
# one copy of each of the 11,132 training sentences with entities), tagged by the seed-33 lr-2e-4 teacher, then
# the main job's student (6 epochs, lr 2e-4, seed 33) trained on it beside the labelled data. Compare: "both at
# 2e-4, seed 33" (session 25): 0.8637 test, 0.9085 dev. Same binary as chain26.sh; it ran beside chain26.sh (both
# times are shared-CPU times, not timings).
set -x
D=/tmp/dn26_old; L=bench/logs/2026-12-02/amx26; O=runs/aug; T=runs/lr/teacher_lr2e-4_s33
mkdir -p $O
python3 bench/augment_mentions.py ../shared/data/conll2003/eng.train 1 33 $O/mentions1_s33.jsonl 2> $L/augment1.log
/usr/bin/time -v $D label --teacher $T --input $O/mentions1_s33.jsonl --out $O/soft1_s33 --threads 2 > $L/label1.log 2>&1
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 --transfer $O/soft1_s33 --out $O/student_mentions1_s33 > $L/student_mentions1_s33.log 2>&1
