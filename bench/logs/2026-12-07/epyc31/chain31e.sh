#!/usr/bin/env bash
# Session 31, after chain31d.sh: the main job again with every command keeping freed pages (training included;
# util::keep_freed_pages), against main_job.log's 13.6 min, 290 s system time, 135 M minor faults and 1.81 GB
# peak: the time it saves and what it costs in peak resident memory (issue 10 §6's goal: at most half of the
# PyTorch reference's 4.21 GB).
cd /work/main
L=bench/logs/2026-12-07/epyc31
B=${B:-/tmp/dn31k}
echo "start $(date -u +%T)"
/usr/bin/time -v $B run --out runs/main_keep > $L/main_job_keep.log 2>&1
echo "main job (keep) rc $? $(date -u +%T)"
