#!/usr/bin/env bash
# Issue 14, session 28 (EPYC), after chain28a.sh: the plain 6-epoch recipe for seeds 35 and 36, the
# baseline the gold mention set is measured against (seeds 33 and 34: chain27c.sh and the main job).
# Their training times are not used: `cargo build` of the mention-replacement option ran beside them.
set -x
cd /work/main
D=${D:-/tmp/dn28}; L=bench/logs/2026-12-02/epyc28; O=runs/aug; T=runs/default/teacher
while pgrep -f chain28a.sh > /dev/null; do sleep 10; done
for S in 35 36; do
  /usr/bin/time -v $D distill --teacher $T --student-layers 0,2,4 --epochs 6 --seed $S --lr 2e-4 --threads 2 \
    --out $O/student_base_s$S > $L/student_base_s$S.log 2>&1
done
echo done
