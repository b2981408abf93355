#!/usr/bin/env bash
# Session 14, issue 13: distilner eager (fp32, int8) and compiled (AOTInductor fp32, `distilner compile`),
# ONNX Runtime fp32/int8 (Optimum export) and PyTorch eager, one run, idle machine, interleaved passes.
set -x
cd /work/main
/tmp/full/distilner14 bench --model runs/full/student6 --model runs/full/teacher3 --precision fp32 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --limit 1000 --threads 2 --json bench/logs/2026-11-30/cpu14/bench14.json
