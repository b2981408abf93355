#!/usr/bin/env bash
# Issue 10 §6: peak resident memory of the main job, distilner vs the PyTorch reference on the same work,
# in one run on an idle machine. Usage: bench/memory.sh LOGDIR
set -u
L=${1:-bench/logs/memory}; mkdir -p "$L"
rm -rf runs/memory
bench/rss.sh "$L/distilner_run.rss" -- target/release/distilner run --out runs/memory > "$L/distilner_run.out"
echo "distilner run: $(cat "$L/distilner_run.rss.time")"
bench/rss.sh "$L/reference.rss" -- .venv/bin/python ../shared/reference/hf_reference.py models/all-MiniLM-L6-v2 ../shared/data/conll2003 "$L/reference.json" > "$L/reference.out"
echo "reference (hf_reference.py, same epochs: teacher 3, student 3): $(cat "$L/reference.rss.time")"
