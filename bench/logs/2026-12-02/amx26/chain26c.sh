#!/bin/bash
# Issue 14, session 26: the second seed of chain26b.sh (mention-replacement transfer set, seed 34: its own copy
# of the training sentences, tagged by the seed-34 lr-2e-4 teacher; the student at seed 34). Compare: "both at
# 2e-4, seed 34" (session 25): 0.8662 test, 0.9077 dev. Started when chain26.sh's run ended; idle.
set -x
D=/tmp/dn26_old; L=bench/logs/2026-12-02/amx26; O=runs/aug; T=runs/lr/teacher_lr2e-4_s34
while pgrep -f "student12_ctx64_lr2e4.toml" > /dev/null; do sleep 20; done
python3 bench/augment_mentions.py ../shared/data/conll2003/eng.train 1 34 $O/mentions1_s34.jsonl 2> $L/augment1_s34.log
/usr/bin/time -v $D label --teacher $T --input $O/mentions1_s34.jsonl --out $O/soft1_s34 --threads 2 > $L/label1_s34.log 2>&1
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed 34 --lr 2e-4 --threads 2 --transfer $O/soft1_s34 --out $O/student_mentions1_s34 > $L/student_mentions1_s34.log 2>&1
