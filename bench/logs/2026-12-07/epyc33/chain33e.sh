#!/usr/bin/env bash
# Session 33, issue 14, after chain33d: --temperature 4 (ahead on dev in chain33c, seed 33) on the second seed, as
# chain33d did for --kd-all-tokens: the seed-34 teacher of the main job's recipe and its student with the flag.
cd /work/main
L=bench/logs/2026-12-07/epyc33
B=${B:-/tmp/dn33}
echo "student t4 s34 start $(date -u +%T)"
$B distill --teacher runs/te/teacher_e3_s34 --student-layers 0,2,4 --epochs 6 --seed 34 --lr 2e-4 --threads 2 \
  --mention-replacement 1 --temperature 4 --out runs/kd/student_t4_s34 > $L/student_t4_s34.log 2>&1
echo "rc $? $(date -u +%T)"; grep "distill done" $L/student_t4_s34.log
echo "end $(date -u +%T)"
