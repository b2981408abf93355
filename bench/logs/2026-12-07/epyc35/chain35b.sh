#!/bin/bash
# Session 35: the main job re-run with written-out eager attention (bf16/int8 inference from 8 rows), alone.
cd /work/main
date -u +%T
/usr/bin/time -v /tmp/dn35 run --out runs/main35 > bench/logs/2026-12-07/epyc35/main35.log 2>&1
date -u +%T
