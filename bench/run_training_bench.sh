#!/usr/bin/env bash
# Training benchmark: distilner's main job, then the PyTorch reference (same data, epochs, batch size),
# one after the other on an otherwise idle machine. Logs and JSON go to runs/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs/bench
/usr/bin/time -v ./target/release/distilner run --out runs/bench/distilner > runs/bench/distilner.log 2> runs/bench/distilner.err
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 /usr/bin/time -v .venv/bin/python ../shared/reference/hf_reference.py \
  models/all-MiniLM-L6-v2 ../shared/data/conll2003 runs/bench/reference.json > runs/bench/reference.log 2> runs/bench/reference.err
echo done > runs/bench/DONE
