#!/bin/bash
# After chain10b: the longer teacher with the seed-34 teacher, the main job's student recipe.
cd /work/main
while pgrep -f chain10b.sh > /dev/null; do sleep 20; done
B=/tmp/full/distilner10
L=bench/logs/2026-11-29e
run() { name=$1; shift; echo "== $name start $(date -u +%FT%TZ)"; /usr/bin/time -v $B "$@" --out runs/full/$name --threads 2 > $L/$name.log 2>&1; echo "== $name rc=$? end $(date -u +%FT%TZ)"; }
run student_long_two distill --teacher runs/full/teacher_long --teacher runs/full/teacher3_s34 --student-layers 0,2,4 --epochs 6 --seed 33
