#!/bin/bash
# A/B: eager int8 attention in fp32 (A) vs bf16 (B), same binary, alternating.
cd /work/main
for i in 1 2; do
 for v in A B; do
  date -u +%T; echo "== $v $i"
  if [ $v = B ]; then export DN_INT8_ATTN_BF16=1; else unset DN_INT8_ATTN_BF16; fi
  /tmp/dn33x bench --model runs/default/student --model runs/default/teacher --precision bf16 int8 --compiled --batch 1 8 32 --runs 3 --threads 2 --no-reference --json /tmp/ab33/$v$i.json > /tmp/ab33/$v$i.log 2>&1
  grep -i "int8\|bf16" /tmp/ab33/$v$i.log | tail -12
 done
done
date -u +%T
