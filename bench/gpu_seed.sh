#!/usr/bin/env bash
# The seed's scale on a lent GPU, in one prepared run (device `run` tool, carry ["target/release/distilner", "gpudata"]).
# Prepare here first: gpudata/ = eng.{train,testa,testb} + vocab.txt (bert-base-cased). Writes to $OUT.
#  1. a 12x768 BERT-base-cased teacher with dslim/bert-base-NER's config and label order (random weights);
#  2. inspect, init-student (DistilBERT's layers 0,2,4,7,9,11), predict, eval, serve on it;
#  3. the seed card's recipe (--preset seed: 15 epochs, batch 128, lr 6e-5, bf16) with distilner on the GPU,
#     then the same recipe in PyTorch (bf16 autocast) on the same GPU; GPU memory sampled by nvidia-smi for both.
set -x
B=./target/release/distilner
D=gpudata
T=/tmp/bertbase
TL=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
export LD_LIBRARY_PATH=$TL:${LD_LIBRARY_PATH:-}
python3 -c 'import torch,transformers;print(torch.__version__, transformers.__version__, torch.cuda.get_device_name(0))'
python3 bench/seed_scale.py make $D/vocab.txt $T
$B inspect $T | tee $OUT/inspect.txt
$B init-student --teacher $T --layers 0,2,4,7,9,11 --out /tmp/student6 2>&1 | tail -2
$B inspect /tmp/student6 | tee -a $OUT/inspect.txt
$B predict --model $T "Angela Merkel visited Paris on Tuesday." > $OUT/predict.json; head -c 600 $OUT/predict.json; echo
timeout 120 $B eval --model $T --data $D --split test > $OUT/eval_teacher.json 2> $OUT/eval_teacher.err; head -c 300 $OUT/eval_teacher.json; echo
($B serve --model /tmp/student6 --port 8089 > $OUT/serve.log 2>&1 &)
for i in $(seq 1 60); do python3 -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:8089/health')" 2>/dev/null && break; sleep 1; done
python3 -c "
import urllib.request,json
r=urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8089/predict',data=json.dumps({'inputs':'Angela Merkel visited Paris.'}).encode(),headers={'Content-Type':'application/json'}))
print('serve', r.status, r.read()[:300])" | tee $OUT/serve.txt
pkill -f "serve --model /tmp/student6"
# 3. The seed recipe: distilner.
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > $OUT/mem_distilner.txt & M=$!
/usr/bin/time -v timeout 330 $B distill --preset seed --teacher $T --student-layers 0,2,4,7,9,11 --dataset $D \
  --device cuda --threads 8 --min-teacher-f1 0 --out /tmp/seedrun > $OUT/distill.out 2> $OUT/distill.err
kill $M
grep -E "cached|epoch [0-9]+/15:|Elapsed|Maximum resident" $OUT/distill.err | grep -v "batch " | tail -25
cp /tmp/seedrun/README.md $OUT/seed_card.md; cp /tmp/seedrun/metrics.json $OUT/seed_metrics.json
# 3b. The same recipe in PyTorch on the same GPU.
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > $OUT/mem_reference.txt & M=$!
timeout 200 python3 bench/seed_scale.py reference $T $D $OUT/reference.json > $OUT/reference.log 2>&1
kill $M
tail -4 $OUT/reference.log
for f in distilner reference; do echo "$f peak GPU memory used (nvidia-smi, MiB): $(sort -n $OUT/mem_$f.txt | tail -1)"; done
