#!/usr/bin/env bash
# Session 32: is the first epoch's pile-up the setup's freed pages (loading, tokenising, caching teacher logits)?
# One purge when training starts, no purge between steps (DISTILNER_PURGE_EVERY_STEPS=0): one teacher epoch and
# one student epoch as in purge32.sh / purge32b.sh.
cd /work/main
L=bench/logs/2026-12-07/epyc32
B=/tmp/dn32s
export DISTILNER_PURGE_EVERY_STEPS=0
rm -rf /tmp/startpurge_t /tmp/startpurge_s
date -u +%T; echo "== teacher, start purge only"
bench/rss.sh $L/startpurge_t.tsv -- $B finetune --epochs 1 --test none --out /tmp/startpurge_t
grep -o '"train_seconds": [0-9.]*' /tmp/startpurge_t/metrics.json | head -1
date -u +%T; echo "== student, start purge only"
bench/rss.sh $L/startpurge_s.tsv -- $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 1 --seed 33 --lr 2e-4 --threads 2 --mention-replacement 1 --test none --out /tmp/startpurge_s
grep -o '"train_seconds": [0-9.]*' /tmp/startpurge_s/metrics.json | head -1
date -u +%T
