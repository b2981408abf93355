#!/bin/bash
# Issue 14 full-scale runs, session 10 (second plan): the main job's combination with seed 34, then
# two teachers (seeds 33 and 34) at full scale with the same student recipe.
cd /work/main
B=/tmp/full/distilner10
L=bench/logs/2026-11-29e; mkdir -p $L
run() { name=$1; shift; echo "== $name start $(date -u +%FT%TZ)"; /usr/bin/time -v $B "$@" --out runs/full/$name --threads 2 > $L/$name.log 2>&1; echo "== $name rc=$? end $(date -u +%FT%TZ)"; }
run teacher3_s34 finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed 34
run student6_s34 distill --teacher runs/full/teacher3_s34 --student-layers 0,2,4 --epochs 6 --seed 34
run student6_two distill --teacher runs/full/teacher3 --teacher runs/full/teacher3_s34 --student-layers 0,2,4 --epochs 6 --seed 33
