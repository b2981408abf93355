#!/usr/bin/env bash
# Session 32: the main job with kept pages given back every 100 training steps (bd4bd5d), idle, under bench/rss.sh
# (VmRSS timeline, peak, wall, system time, minor faults); against session 31's main_keep (151 s / 317 s, 2.29 GB).
cd /work/main
L=bench/logs/2026-12-07/epyc32
echo "start $(date -u +%T)"
bench/rss.sh $L/rss_main32.tsv -- /tmp/dn32 run --out runs/main32
echo "rc $? end $(date -u +%T)"
