#!/usr/bin/env bash
# Session 12: a second seed for the best student so far (student_long12: teacher_long, 12 epochs, patience 3).
# Niced, beside the session's clean-clone check: its train time is not comparable; its F1 is (deterministic for a
# seed and a thread count).
set -x
cd /work/main
B=/tmp/full/distilner12
L=bench/logs/2026-11-30/cpu12
nice -n 10 $B distill --teacher runs/full/teacher_long --student-layers 0,2,4 --epochs 12 --patience 3 --seed 34 --out runs/full/student_long12_s34 --threads 2 > $L/student_long12_s34.out 2> $L/student_long12_s34.err
