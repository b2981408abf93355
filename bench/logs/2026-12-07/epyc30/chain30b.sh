#!/usr/bin/env bash
# Session 30: this checkout's machine turned out to be an AVX2-only EPYC (no AVX512, so no bf16: training runs in
# fp32, about 3x slower), not the AVX512-BF16 EPYC of sessions 27-29. chain30a.sh was cut to its first stage:
# the main job's teacher with --mention-replacement 1 (seed 33) runs to its end, the run is stopped when the
# student stage starts, and the same teacher recipe without it (seed 33) runs after, on the same machine, for a
# paired comparison in fp32.
set -x
cd /work/main
D=${D:-/tmp/dn30}; L=bench/logs/2026-12-07/epyc30
until grep -q "== 2/3" $L/main_tmr1.log; do sleep 5; done
pkill -f "$D run --mention-replacement 1 --out runs/tmr1"
sleep 5
/usr/bin/time -v $D finetune --seed 33 --out runs/teacher_s33 > $L/teacher_s33.log 2>&1
echo done
