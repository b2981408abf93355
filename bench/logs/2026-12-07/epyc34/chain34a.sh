#!/usr/bin/env bash
# Issue 13: where the teacher's int8 and bf16 packages (runs/default, the 32x40 ones the routes give batch 32) spend their time at
# batch 32 on this Zen 5 EPYC (no AMX). Unprofiled rates first, then perf over PREPS passes (40; reps10/:
# a first try with 10, where tokenising the split in Python was a sixth of the samples).
set -u
cd /work/main
D=bench/logs/2026-12-07/epyc34
T=runs/default/teacher
export ONEDNN_PRIMITIVE_CACHE_CAPACITY=4096
for p in int8 bf16; do
  pkg=$T/compiled-$p/model-cpu-$p-32x40.pt2
  date -u +%T
  REPS=5 .venv/bin/python bench/package_loop.py $T $pkg 32 > $D/loop_teacher_${p}_b32.log 2>&1
  REPS=${PREPS:-40} perf record -F 499 -o /tmp/perf34_$p.data .venv/bin/python bench/package_loop.py $T $pkg 32 > $D/perf_loop_teacher_${p}_b32.log 2>&1
  rm -rf /tmp/pkg34_$p && mkdir -p /tmp/pkg34_$p && unzip -q -o $pkg -d /tmp/pkg34_$p
  so=$(find /tmp/pkg34_$p -name "*.wrapper.so" | head -1)
  tids=$(perf script -i /tmp/perf34_$p.data -F tid 2>/dev/null | sort | uniq -c | sort -rn | head -2 | awk '{print $2}' | paste -sd,)
  { echo "tids $tids"; .venv/bin/python bench/perf_categories.py /tmp/perf34_$p.data "$so" "$tids"; } > $D/profile_int8_vs_bf16_teacher_${p}_b32.txt 2>&1
  perf report -i /tmp/perf34_$p.data --tid "$tids" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v "^#" | head -60 > $D/perf_top_teacher_${p}_b32.txt
done
date -u +%T
