#!/usr/bin/env bash
# Issue 14, session 29 (EPYC, idle): the built-in --mention-replacement 1 on seeds 34-36 (seed 33 is the main job,
# main_mr1.log). Same teacher as sessions 27-28 (runs/default/teacher, 0.8726 test; runs/mr1/teacher is the same
# model, 0.8726), the main job's student recipe otherwise (layers 0,2,4, lr 2e-4, 6 epochs).
set -x
cd /work/main
D=${D:-/tmp/dn29}; L=bench/logs/2026-12-02/epyc29; O=runs/aug; T=runs/default/teacher
for S in 34 35 36; do
  /usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed $S --lr 2e-4 --threads 2 \
    --mention-replacement 1 --out $O/student_mr1_s$S > $L/student_mr1_s$S.log 2>&1
done
echo done
