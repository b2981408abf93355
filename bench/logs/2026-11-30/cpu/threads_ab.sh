#!/bin/bash
# A/B: one intra-op thread against two at batch 1 and 8 (fp32 and int8), alternating processes, idle machine.
cd /work/main
B=/tmp/full/distilner11
M=${M:-runs/full/student6}
O=bench/logs/2026-11-30/cpu/threads_ab; mkdir -p $O
for pair in 1 2 3 4; do
  for t in 1 2; do
    $B bench --model $M --precision fp32 int8 --batch 1 8 --runs 3 --limit 1000 --threads $t --no-reference \
      --json $O/p${pair}_t$t.json > $O/p${pair}_t$t.md 2> $O/p${pair}_t$t.err
    echo "pair $pair threads $t"; grep distilner $O/p${pair}_t$t.md
  done
done
