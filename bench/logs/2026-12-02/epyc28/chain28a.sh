#!/usr/bin/env bash
# Issue 14, session 28 (EPYC, idle): seeds 35 and 36 for the gold mention set (chain27c.sh) against its
# same-cost control, 12 epochs without it (chain27d/e.sh). Same teacher (runs/default/teacher, 0.8726 test), the
# main job's student recipe otherwise (layers 0,2,4, lr 2e-4). The mention set is drawn with the run's seed.
set -x
cd /work/main
D=${D:-/tmp/dn28}; L=bench/logs/2026-12-02/epyc28; O=runs/aug; T=runs/default/teacher
C=../shared/data/conll2003
for S in 35 36; do
  .venv/bin/python bench/augment_mentions.py $C/eng.train 1 $S $O/mentions1_s$S.conll 2> $L/augment_conll_s$S.log
  cat $C/eng.train $O/mentions1_s$S.conll > $O/train_mentions1_s$S.conll
  /usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed $S --lr 2e-4 --threads 2 \
    --train $O/train_mentions1_s$S.conll --dev $C/eng.testa --test $C/eng.testb \
    --out $O/student_goldmentions1_s$S > $L/student_goldmentions1_s$S.log 2>&1
  /usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 12 --seed $S --lr 2e-4 --threads 2 \
    --out $O/student_base12_s$S > $L/student_base12_s$S.log 2>&1
done
echo done
