#!/bin/bash
# Issue 14, session 25: the main job's learning rate, teacher and student, at its own scale (3 + 6 epochs),
# one run after the other on the idle machine, from a private copy of the binary (/tmp/dn25).
set -x
D=/tmp/dn25; O=runs/lr; L=bench/logs/2026-12-02/amx25
mkdir -p $O
t() { $D finetune --model models/all-MiniLM-L6-v2 --epochs 3 --seed $2 --lr $1 --threads 2 --out $O/teacher_lr$1_s$2 > $L/teacher_lr$1_s$2.log 2>&1; }
s() { $D distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 6 --seed $2 --lr $1 --threads 2 --out $O/student_lr$1_s$2 > $L/student_lr$1_s$2.log 2>&1; }
t 2e-4 33
s 2e-4 33
t 3e-4 33
s 3e-4 33
t 1e-4 34
s 1e-4 34
t 2e-4 34
s 2e-4 34
