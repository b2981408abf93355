#!/usr/bin/env bash
# Session 32: the same for a one-epoch student of the main job's teacher (mention replacement 1, as the main job),
# and the teacher epoch again in the other order (noise check).
cd /work/main
L=bench/logs/2026-12-07/epyc32
for n in 100 off 25; do
  rm -rf /tmp/spurge_$n
  date -u +%T; echo "== student, purge every $n"
  [ $n = off ] && unset DISTILNER_PURGE_EVERY || export DISTILNER_PURGE_EVERY=$n
  bench/rss.sh $L/spurge_$n.tsv -- /tmp/dn32x distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 1 --seed 33 --lr 2e-4 --threads 2 --mention-replacement 1 --test none --out /tmp/spurge_$n
  sort -k2 -n $L/spurge_$n.tsv | tail -1
  grep -o '"train_seconds": [0-9.]*' /tmp/spurge_$n/metrics.json | head -1
done
unset DISTILNER_PURGE_EVERY
SUF=_b NS="25 off 100" $L/purge32.sh 2>&1 | sed 's/^/[teacher again] /'
date -u +%T
