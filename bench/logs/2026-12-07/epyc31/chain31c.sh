#!/usr/bin/env bash
# Session 31, after chain31b.sh: a third allocator setting for the same one-epoch student, twice, with the
# default once more beside it: MALLOC_CONF=oversize_threshold:0 (no dedicated arena for >= 8 MB requests, whose
# pages jemalloc returns at once; the 10 s decay for everything), which may keep most of the gain at less
# resident memory than never returning pages.
cd /work/main
L=bench/logs/2026-12-07/epyc31
B=${B:-/tmp/dn31}
echo "start $(date -u +%T)"
for i in 3 4; do
  for v in default oversize0; do
    if [ $v = oversize0 ]; then export MALLOC_CONF=oversize_threshold:0; else unset MALLOC_CONF; fi
    /usr/bin/time -v $B distill --teacher runs/default/teacher --student-layers 0,2,4 --epochs 1 --seed 33 \
      --lr 2e-4 --threads 2 --out runs/ab/${v}_$i > $L/ab_${v}_$i.log 2>&1
    echo "ab $v $i rc $? $(date -u +%T)"
  done
done
echo "done $(date -u +%T)"
