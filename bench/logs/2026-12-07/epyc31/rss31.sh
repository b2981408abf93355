#!/usr/bin/env bash
# Session 31: where the main job's 2.29 GB peak sits now that training keeps freed pages (VmRSS every 0.5 s
# beside the job's stderr; bench/rss.sh). Idle machine, after the clean clone.
cd /work/main
L=bench/logs/2026-12-07/epyc31
bench/rss.sh $L/rss_main_keep.tsv -- /tmp/dn31k run --out runs/main_keep_rss
