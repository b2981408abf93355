#!/usr/bin/env bash
# Issue 11 on a lent GPU, one prepared run (device `run` tool; carry target/release/distilner,
# target/release/libdistilner_torchdist.so and gpudata/ = eng.{train,testa,testb} + vocab.txt).
#  1. which Python/libpython the plugin will embed;
#  2. the BERT-base-scale teacher (dslim's config, random weights) and its 6-layer student: the seed
#     recipe (batch 128, lr 6e-5, bf16) for 3 epochs with distilner under torchrun (1 rank, NCCL) and
#     without torchrun, then PyTorch DDP (torchrun, 1 rank, NCCL) running the reference loop.
# Epoch clocks stop after a CUDA synchronize in both (trainer.rs, seed_scale.py). Writes to $OUT.
set -x
B=./target/release/distilner
D=gpudata
T=/tmp/bertbase
TL=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
export LD_LIBRARY_PATH=$TL:${LD_LIBRARY_PATH:-}
python3 -c 'import sys,sysconfig as s;v=s.get_config_var;print(sys.executable,sys.version.split()[0],"shared",v("Py_ENABLE_SHARED"),v("LIBDIR"),v("LDLIBRARY"),v("INSTSONAME"))' | tee $OUT/python.txt
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee -a $OUT/python.txt
python3 bench/seed_scale.py make $D/vocab.txt $T
RUN="python3 -m torch.distributed.run --nproc-per-node 1 --master-addr 127.0.0.1 --master-port 29633"
ARGS="distill --preset seed --epochs 3 --teacher $T --student-layers 0,2,4,7,9,11 --dataset $D --device cuda --threads 8 --min-teacher-f1 0"
timeout 150 $RUN --no-python $B $ARGS --out /tmp/ddp1 > $OUT/dist.out 2> $OUT/dist.err
grep -E "^\[dist\]|cached|epoch [0-9]+/3:|error" $OUT/dist.err | grep -v "batch " | tail -8
timeout 150 $B $ARGS --out /tmp/single > $OUT/single.out 2> $OUT/single.err
grep -E "cached|epoch [0-9]+/3:|error" $OUT/single.err | grep -v "batch " | tail -6
timeout 150 $RUN bench/seed_scale.py reference $T $D $OUT/reference_ddp.json --epochs 3 > $OUT/reference_ddp.log 2>&1
tail -4 $OUT/reference_ddp.log
for r in ddp1 single; do
  python3 -c "
import json,sys; m=json.load(open('/tmp/$r/metrics.json')); h=m['history']; t=[h[0]['train_seconds']]+[h[i]['train_seconds']-h[i-1]['train_seconds'] for i in range(1,len(h))]
print('$r', 'world', m.get('world_size'), m.get('backend'), 'epoch seconds', [round(x,2) for x in t], 'steps', h[-1]['step'], 'dev F1', round(m['dev']['f1'],4), m['devices'])" | tee -a $OUT/summary.txt
done
cp /tmp/ddp1/metrics.json $OUT/ddp1_metrics.json; cp /tmp/ddp1/README.md $OUT/ddp1_card.md
