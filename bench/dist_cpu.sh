#!/bin/bash
# Data parallelism on this CPU, the honest ratio: the main job's distillation (MiniLM teacher →
# 3-layer student, CoNLL-2003, batch 32, bf16 where the CPU has it), one epoch,
#   A: 1 process × 2 intra-op threads
#   B: torchrun, 2 ranks (Gloo) × 1 thread each
# on an idle machine. Usage: bench/dist_cpu.sh TEACHER_RUN_DIR OUT_DIR
set -euo pipefail
T=${1:-runs/memory/teacher}; O=${2:-/tmp/dist_cpu}
rm -rf "$O"; mkdir -p "$O"
ARGS="distill --teacher $T --student-layers 0,2,4 --epochs 1"
/usr/bin/time -f "%e s wall, %M KB peak RSS" target/release/distilner $ARGS --threads 2 --out "$O/one" 2> "$O/one.log"
OMP_NUM_THREADS=1 /usr/bin/time -f "%e s wall, %M KB peak RSS (torchrun agent)" \
  .venv/bin/torchrun --master-addr 127.0.0.1 --master-port 29611 --nproc-per-node 2 --no-python \
  target/release/distilner $ARGS --threads 1 --out "$O/two" 2> "$O/two.log"
for r in one two; do
  python3 - "$O/$r" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "/metrics.json"))
h = m["history"][0]
print(f"{sys.argv[1]}: world_size {m['world_size']} ({m['backend']}), epoch loop {h['train_seconds']:.1f} s, "
      f"train_seconds incl. cache {m['train_seconds']:.1f} s, dev F1 {m['dev']['f1']:.4f}, test F1 {m['test']['f1']:.4f}")
PY
  tail -1 "$O/$r.log"
done
