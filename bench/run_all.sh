#!/usr/bin/env bash
# The measurements in bench/RESULTS.md, in one go on an otherwise idle machine (about 45 minutes):
#  1. the README main job (`distilner run`: teacher 3 epochs, student 6 epochs; mixed precision where native);
#  2. 3-epoch distillations from the same teacher (equal epochs and batch size to the PyTorch reference),
#     with the default (bf16 mixed precision on this CPU) and with --mixed-precision false (fp32);
#  3. `distilner bench` on teacher and student, fp32 and bf16, with the PyTorch eager baseline in the same run;
#  4. bounded loopback load tests against `distilner serve` (good requests, then a mix with malformed and
#     slow ones);
#  5. the PyTorch training reference (teacher + student phases) on the same data and recipe.
# Logs and JSON land in runs/official and are copied to bench/logs/DATE/LOG_TAG (default session2).
set -euo pipefail
cd "$(dirname "$0")/.."
O=runs/official
L=bench/logs/$(date +%F)/${LOG_TAG:-session2}
mkdir -p $O $L
T="/usr/bin/time -v"
$T ./target/release/distilner run --out $O > $O/run.stdout 2> $O/run.stderr
$T ./target/release/distilner distill --teacher $O/teacher --student-layers 0,2,4 --epochs 3 \
  --out $O/student_3ep > $O/distill3.stdout 2> $O/distill3.stderr
$T ./target/release/distilner distill --teacher $O/teacher --student-layers 0,2,4 --epochs 3 \
  --mixed-precision false --out $O/student_3ep_fp32 > $O/distill3_fp32.stdout 2> $O/distill3_fp32.stderr
./target/release/distilner bench --model $O/teacher --model $O/student --runs 5 --json $O/bench.json > $O/bench.md 2> $O/bench.stderr
./target/release/distilner serve --model $O/student --port 18080 2> $O/serve.stderr &
SP=$!
for i in $(seq 50); do curl -sf http://127.0.0.1:18080/health >/dev/null && break; sleep 0.2; done
./target/release/examples/loadtest 127.0.0.1:18080 100 20 0 $SP > $O/load_good.json || true
./target/release/examples/loadtest 127.0.0.1:18080 100 20 0.3 $SP > $O/load_mixed.json || true
kill -TERM $SP; wait $SP; echo "serve exit $?" >> $O/serve.stderr
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $T .venv/bin/python ../shared/reference/hf_reference.py \
  models/all-MiniLM-L6-v2 ../shared/data/conll2003 $O/reference.json > $O/reference.log 2> $O/reference.err
for f in run.stdout run.stderr distill3.stderr distill3_fp32.stderr bench.md bench.json load_good.json \
  load_mixed.json reference.json reference.log; do cp $O/$f $L/official_$f; done
for r in teacher student student_3ep student_3ep_fp32; do
  cp $O/$r/metrics.json $L/official_${r}_metrics.json; cp $O/$r/README.md $L/official_${r}_README.md
done
echo done > $O/DONE
