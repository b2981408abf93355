#!/bin/bash
# Issue 14 full-scale runs, session 11: a 12-epoch student of the 8-epoch teacher (early stopping on dev F1,
# patience 3), then attention-relation KD at weight 0.1 (reduced scale measured 1.0 as a loss).
cd /work/main
B=/tmp/full/distilner11
L=bench/logs/2026-11-30/cpu; mkdir -p $L
run() { name=$1; shift; echo "== $name start $(date -u +%FT%TZ)"; /usr/bin/time -v $B "$@" --out runs/full/$name --threads 2 > $L/$name.log 2>&1; echo "== $name rc=$? end $(date -u +%FT%TZ)"; }
run student_long12 distill --teacher runs/full/teacher_long --student-layers 0,2,4 --epochs 12 --patience 3 --seed 33
run student6_att01 distill --teacher runs/full/teacher3 --student-layers 0,2,4 --epochs 6 --seed 33 --attention-kd 0.1
