#!/usr/bin/env bash
# GPU check, run on the lent device through its `run` tool with carry ["target/release/distilner", "runs/gpucheck"].
# Prepare runs/gpucheck here first: the student dir with model.safetensors converted to bf16 (to fit the 64 MiB
# carry) plus tokenizer/config files, and eng.{train,testa,testb}. Writes to $OUT.
# GPU check: the CPU-built binary (libtorch_cuda force-linked) on the device's torch 2.11.0.
set -x
G=runs/gpucheck
B=./target/release/distilner
TL=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
export LD_LIBRARY_PATH=$TL:${LD_LIBRARY_PATH:-}
python3 -c 'import torch;print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))'
nvidia-smi --query-gpu=name,memory.used --format=csv
ldd $B | grep -E "torch|c10|not found"
$B inspect $G/student
# Inference: CPU vs GPU fp32 vs GPU bf16 on the test split (same predictions expected, same F1 within noise).
CUDA_VISIBLE_DEVICES= timeout 120 $B eval --model $G/student --data $G/eng.testb --threads 8 --write-predictions $OUT/pred_cpu.txt > $OUT/eval_cpu.json 2> $OUT/eval_cpu.err
timeout 120 $B eval --model $G/student --data $G/eng.testb --write-predictions $OUT/pred_gpu.txt > $OUT/eval_gpu.json 2> $OUT/eval_gpu.err
timeout 120 $B eval --model $G/student --data $G/eng.testb --precision bf16 --write-predictions $OUT/pred_gpu_bf16.txt > $OUT/eval_gpu_bf16.json 2> $OUT/eval_gpu_bf16.err
for f in cpu gpu gpu_bf16; do python3 -c "import json;print('$f', json.load(open('$OUT/eval_$f.json'))['f1'])"; done
cmp $OUT/pred_cpu.txt $OUT/pred_gpu.txt && echo "CPU and GPU fp32 predictions identical"
diff $OUT/pred_cpu.txt $OUT/pred_gpu_bf16.txt | grep -c '^<' 
# Throughput on the GPU, fp32 and bf16.
timeout 150 $B bench --model $G/student --data $G/eng.testb --device cuda --no-reference --runs 3 --limit 1000 --precision fp32 bf16 > $OUT/bench_gpu.md 2> $OUT/bench_gpu.err
cat $OUT/bench_gpu.md
# Training on the GPU: 1 epoch of distillation into a 2-layer student, bf16 mixed precision and fp32.
for mp in true false; do
  timeout 200 $B distill --teacher $G/student --student-layers 0,2 --train $G/eng.train --dev $G/eng.testa --test $G/eng.testb \
    --epochs 1 --device cuda --threads 8 --mixed-precision $mp --out $OUT/d_$mp > $OUT/d_$mp.out 2> $OUT/d_$mp.err
  tail -1 $OUT/d_$mp.out; grep -E "precision|cached|epoch 1/1:" $OUT/d_$mp.err | grep -v batch
  grep -E "mixed_precision_training|training time" $OUT/d_$mp/README.md
done
nvidia-smi --query-gpu=name,memory.used --format=csv
