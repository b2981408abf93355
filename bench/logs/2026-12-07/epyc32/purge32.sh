#!/usr/bin/env bash
# Session 32: does purging freed pages every N training steps bound the teacher's first-epoch peak, and
# what does it cost? One teacher epoch (main-job settings, --test none), VmRSS timeline via bench/rss.sh.
cd /work/main
L=bench/logs/2026-12-07/epyc32
SUF=${SUF-_b}  # the second pass (purge32b.sh) writes beside the first
for n in ${NS:-off 100 25}; do
  rm -rf /tmp/purge_$n
  date -u +%T; echo "== purge every $n"
  if [ $n = off ]; then env -u DISTILNER_PURGE_EVERY bench/rss.sh $L/purge_$n$SUF.tsv -- /tmp/dn32x finetune --epochs 1 --test none --out /tmp/purge_$n
  else DISTILNER_PURGE_EVERY=$n bench/rss.sh $L/purge_$n$SUF.tsv -- /tmp/dn32x finetune --epochs 1 --test none --out /tmp/purge_$n; fi
  sort -k2 -n $L/purge_$n$SUF.tsv | tail -1
  grep -o '"train_seconds": [0-9.]*' /tmp/purge_$n/metrics.json
  grep -h "s/step" $L/purge_$n$SUF.tsv.stderr | tail -1
done
date -u +%T
