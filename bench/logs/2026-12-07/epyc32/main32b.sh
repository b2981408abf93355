#!/usr/bin/env bash
# Session 32: the same main job with the step purges off (DISTILNER_PURGE_EVERY_STEPS=0, session 31's behaviour),
# on the same machine right after main32.sh: what do the purges every 100 steps cost?
cd /work/main
L=bench/logs/2026-12-07/epyc32
echo "start $(date -u +%T)"
DISTILNER_PURGE_EVERY_STEPS=0 bench/rss.sh $L/rss_main32_nopurge.tsv -- /tmp/dn32 run --out runs/main32_nopurge
echo "rc $? end $(date -u +%T)"
