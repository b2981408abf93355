#!/bin/bash
# Session 24 (AMX): int8 packages with attention in bf16 (mask registered) against session 16's
# int8 packages (attention fp32), both against bf16 packages, in one bench run per model.
# OLD: the binary before the change (its embedded aoti_compile.py keeps attention in fp32).
set -ex
OLD=${OLD:-/tmp/distilner_865eefe}; NEW=${NEW:-target/release/distilner}; L=bench/logs/2026-12-02/amx24
mkdir -p /tmp/ab
for m in student teacher; do
  rm -rf /tmp/ab/${m}_fp32att; cp -r runs/default/$m /tmp/ab/${m}_fp32att
  rm -rf /tmp/ab/${m}_fp32att/compiled* 
  $OLD compile --model /tmp/ab/${m}_fp32att --precision int8 > $L/compile_${m}_int8_fp32att.log 2>&1
  $NEW compile --model runs/default/$m --precision bf16 int8 > $L/compile_${m}_bf16_int8.log 2>&1
done
for m in student teacher; do
  $NEW bench --model runs/default/$m --model /tmp/ab/${m}_fp32att --precision bf16 int8 --compiled \
    --no-reference --batch 1 8 32 --runs 3 --threads 2 --json $L/int8_attention_$m.json > $L/int8_attention_$m.log 2>&1
done
