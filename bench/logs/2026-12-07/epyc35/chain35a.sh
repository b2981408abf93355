#!/bin/bash
# Session 35: eager attention variants A/B/C (trial build, DN_ATTN per call), teacher and student, bf16 and int8.
cd /work/main
for M in teacher student; do for P in bf16 int8; do
  date -u +%T
  MODEL=runs/default/$M PREC=$P BATCH=8,32 ROUNDS=5 /tmp/dn35_attn_ab
done; done
date -u +%T
