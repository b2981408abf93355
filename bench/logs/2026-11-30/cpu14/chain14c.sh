#!/usr/bin/env bash
# Session 14, issue 13 (rerun with the 5% routing margin): compile the main job's models (two packages each, tuned for 2x16 and 32x40, routes
# measured), then distilner eager (fp32, int8), distilner compiled (routed), ONNX Runtime fp32/int8 and PyTorch
# eager in one bench run. Idle machine.
set -x
cd /work/main
L=bench/logs/2026-11-30/cpu14
for m in student6 teacher3; do /tmp/full/distilner14c compile --model runs/full/$m > $L/compile_${m}_c.log 2>&1; cp runs/full/$m/compiled.json $L/compiled_${m}_c.json; done
/tmp/full/distilner14c bench --model runs/full/student6 --model runs/full/teacher3 --precision fp32 int8 --compiled \
  --onnxruntime --batch 1 8 32 --runs 3 --limit 1000 --threads 2 --json $L/bench14c.json
