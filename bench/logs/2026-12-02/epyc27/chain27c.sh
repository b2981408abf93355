#!/usr/bin/env bash
# Issue 14, session 27 (EPYC, idle): the stronger form of session 26's mention-replacement transfer set. There the
# new sentences' labels were dropped and the teacher's top-k word probabilities were learnt from (`label` +
# `distill --transfer`): +0.29 / +0.15 test over the same recipe, level with 12 epochs. Here the new sentences keep
# their gold tags (mention replacement knows them; bench/augment_mentions.py writes .conll in IOB1) and are
# appended to the training split, so `distill --train` learns from them exactly as from any training sentence:
# gold CE + KD on the teacher's full sub-token logits (cached once). Teacher: this session's main-job teacher
# (lr 2e-4, seed 33, 0.8726 test); baseline seed 33 is the main job's own student (same recipe: 0.8638 test,
# 0.9083 dev); baseline seed 34 is run here. The main job's student recipe otherwise (6 epochs, lr 2e-4).
set -x
cd /work/main
D=${D:-/tmp/dn27}; L=bench/logs/2026-12-02/epyc27; O=runs/aug; T=runs/default/teacher
C=../shared/data/conll2003
mkdir -p $O
for S in 33 34; do
  .venv/bin/python bench/augment_mentions.py $C/eng.train 1 $S $O/mentions1_s$S.conll 2> $L/augment_conll_s$S.log
  cat $C/eng.train $O/mentions1_s$S.conll > $O/train_mentions1_s$S.conll
done
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed 33 --lr 2e-4 --threads 2 \
  --train $O/train_mentions1_s33.conll --dev $C/eng.testa --test $C/eng.testb \
  --out $O/student_goldmentions1_s33 > $L/student_goldmentions1_s33.log 2>&1
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed 34 --lr 2e-4 --threads 2 \
  --out $O/student_base_s34 > $L/student_base_s34.log 2>&1
/usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed 34 --lr 2e-4 --threads 2 \
  --train $O/train_mentions1_s34.conll --dev $C/eng.testa --test $C/eng.testb \
  --out $O/student_goldmentions1_s34 > $L/student_goldmentions1_s34.log 2>&1
echo done
