#!/usr/bin/env bash
# The measurements in bench/RESULTS.md, in one go on an otherwise idle machine (about 30 minutes):
#  1. the README main job (`distilner run`: teacher 3 epochs, student 6 epochs);
#  2. a 3-epoch distillation from the same teacher (equal epochs and batch size to the PyTorch reference);
#  3. `distilner bench` on teacher and student with the PyTorch eager baseline in the same run;
#  4. a bounded loopback load test against `distilner serve` (good requests, then a mix with malformed ones).
# The PyTorch training reference is bench/run_training_bench.sh (its second half).
set -euo pipefail
cd "$(dirname "$0")/.."
O=runs/official
mkdir -p $O
/usr/bin/time -v ./target/release/distilner run --out $O > $O/run.stdout 2> $O/run.stderr
/usr/bin/time -v ./target/release/distilner distill --teacher $O/teacher --student-layers 0,2,4 --epochs 3 \
  --out $O/student_3ep > $O/distill3.stdout 2> $O/distill3.stderr
./target/release/distilner bench --model $O/teacher --model $O/student --json $O/bench.json > $O/bench.md 2> $O/bench.stderr
./target/release/distilner serve --model $O/student --port 18080 2> $O/serve.stderr &
SP=$!
for i in $(seq 50); do curl -sf http://127.0.0.1:18080/health >/dev/null && break; sleep 0.2; done
./target/release/examples/loadtest 127.0.0.1:18080 100 20 0 $SP > $O/load_good.json || true
./target/release/examples/loadtest 127.0.0.1:18080 100 20 0.3 $SP > $O/load_mixed.json || true
kill -TERM $SP; wait $SP; echo "serve exit $?" >> $O/serve.stderr
echo done > $O/DONE
