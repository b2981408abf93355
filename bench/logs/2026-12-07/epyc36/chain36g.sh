#!/bin/bash
# Session 36: the main job re-run with its new teacher defaults (3e-4, layer-wise decay 0.8), alone, after the clean clone.
cd /work/main
date -u +%T
/usr/bin/time -v /tmp/dn36d run --out runs/main36 > bench/logs/2026-12-07/epyc36/main36.log 2>&1
date -u +%T
