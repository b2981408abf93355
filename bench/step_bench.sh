#!/usr/bin/env bash
# Issue 10 §3 on this CPU: one training step of the BERT-base-scale 6-layer student (65.2M parameters) at the
# seed's shapes, distilner (examples/step_profile, bf16 mixed and fp32) vs PyTorch (seed_scale.py step, fp32 eager
# as hf_reference.py trains), 2 threads each, peak resident memory from /usr/bin/time. Needs STUDENT (an
# init-student dir of the seed_scale.py teacher). Usage: STUDENT=/tmp/student6 bench/step_bench.sh
set -u
S=${STUDENT:-/tmp/student6}
for shape in "32 128 4" "128 128 2"; do
  set -- $shape; B=$1; L=$2; N=$3
  for p in bf16 fp32; do
    /usr/bin/time -f "  peak RSS %M KB" env MODEL=$S BATCH=$B SEQ=$L STEPS=$N PRECISION=$p THREADS=2 target/release/examples/step_profile 2>&1 | grep -E "median step|peak"
  done
  /usr/bin/time -f "  peak RSS %M KB" .venv/bin/python bench/seed_scale.py step $S $B $L fp32 $N 2>&1 | grep -E "median step|peak"
done
