#!/usr/bin/env bash
# Session 31, after chain31.sh's table (its last step, one round at 6 epochs on seed 34, dropped: the main job
# reproduced session 27-29's F1s to the digit on this CPU, so that run would repeat session 29's 0.9114 / 0.8654).
#  1. The main job took 135 M minor page faults and 290 s of system time (19% of its CPU time): jemalloc returns
#     freed pages to the OS during training (10 s decay; eagerly for the >= 8 MB arena), and each reuse faults
#     them back in zeroed. A/B, alternated twice: a one-epoch student with the default decay, and with
#     MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 (what inference commands already set in code).
#  2. Issue 14: two rounds of mention replacement at 4 epochs, seeds 33 and 34.
cd /work/main
L=bench/logs/2026-12-07/epyc31
B=${B:-/tmp/dn31}
echo "start $(date -u +%T)"
for i in 1 2; do
  for v in default keep; do
    if [ $v = keep ]; then export MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1; else unset MALLOC_CONF; fi
    /usr/bin/time -v $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 1 --seed 33 \
      --lr 2e-4 --threads 2 --out runs/ab/${v}_$i > $L/ab_${v}_$i.log 2>&1
    echo "ab $v $i rc $? $(date -u +%T)"
  done
done
unset MALLOC_CONF
for s in 33 34; do
  $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 4 --seed $s --lr 2e-4 --threads 2 \
    --mention-replacement 2 --out runs/aug/student_mr2_e4_s$s > $L/student_mr2_e4_s$s.log 2>&1
  echo "student mr2 e4 s$s rc $? $(date -u +%T)"
done
echo "done $(date -u +%T)"
