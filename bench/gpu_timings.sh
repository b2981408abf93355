#!/usr/bin/env bash
# Issue 13's GPU timings in one prepared device run: `run` with carry ["gpu"], `bash bench/gpu_timings.sh`.
# Prepare gpu/ here first with `bench/gpu_prepare.sh runs/full/teacher3:teacher`: the CPU-built binary (xz), the
# main job's teacher stored in bf16 to fit the 64 MiB carry, the CoNLL-2003 files, the CPU baseline's CoNLL reader.
#  1. the main job's distillation (6 epochs, 3-layer student, batch 32) on the GPU, from the real teacher;
#  2. `bench --device cuda` of the teacher and that student, fp32 / bf16 / fp16, batch 1 / 8 / 32 / 128, against
#     PyTorch eager (bench/torch_eager.py: inference_mode, same precision, CUDA synchronize per batch);
#  3. the same distillation in plain PyTorch on the same GPU (bench/seed_scale.py reference), epoch times.
# Everything lands in $OUT/results.tgz (re-packed after each step, so a step that runs out of time keeps the rest).
# A CPU dry run here: DEV=cpu LIMIT=30 EPOCHS=1 MAXTRAIN=200 REF_EPOCHS=1 PRECS=fp32 OUT=/tmp/dry bash bench/gpu_timings.sh
set -x
G=gpu R=/tmp/gpu_results
DEV=${DEV:-cuda} LIMIT=${LIMIT:-1000} EPOCHS=${EPOCHS:-6} MAXTRAIN=${MAXTRAIN:-0} REF_EPOCHS=${REF_EPOCHS:-2}
PRECS=${PRECS:-fp32 bf16 fp16}
. bench/gpu_env.sh
{
  python3 -c 'import torch,transformers;print("torch", torch.__version__, "transformers", transformers.__version__,
    torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")'
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv 2>&1
  nproc
} | tee "$R/versions.txt"
ldd $B | grep -E "not found" && echo "missing libraries" && exit 1

# 1. The main job's distillation, on the GPU.
TIME=; [ -x /usr/bin/time ] && TIME="/usr/bin/time -v"
$TIME timeout 240 $B distill --teacher $G/teacher --train $G/data/eng.train --dev $G/data/eng.testa \
  --test $G/data/eng.testb --epochs "$EPOCHS" --device "$DEV" --threads 8 --max-train-sentences "$MAXTRAIN" \
  --out /tmp/student > "$R/distill.out" 2> "$R/distill.err"
echo "distill rc $?"
grep -E "cached|epoch [0-9]+/[0-9]+:|training time|Elapsed|Maximum resident" "$R/distill.err" | grep -v "batch " | tail -20
cp /tmp/student/README.md "$R/student_card.md"; cp /tmp/student/metrics.json "$R/student_metrics.json"
pack

# 2. Inference: distilner vs PyTorch eager, one bench per precision (one failing precision keeps the others).
MODELS="--model $G/teacher"
[ -f /tmp/student/model.safetensors ] && MODELS="$MODELS --model /tmp/student"
for p in $PRECS; do
  timeout 200 $B bench $MODELS --data $G/data/eng.testb --device "$DEV" --precision "$p" --batch 1 8 32 128 \
    --runs 3 --limit "$LIMIT" --threads 8 --python python3 --json "$R/bench_$p.json" > "$R/bench_$p.md" 2> "$R/bench_$p.err"
  echo "bench $p rc $?"; cat "$R/bench_$p.md"; tail -3 "$R/bench_$p.err"
  pack
done

# 3. The same distillation in plain PyTorch (bf16 autocast, teacher run on each batch), epoch times.
timeout 150 python3 bench/seed_scale.py reference $G/teacher $G/data "$R/reference.json" --epochs "$REF_EPOCHS" \
  --bs 32 --lr 1e-4 --layers 0,2,4 --limit "$MAXTRAIN" > "$R/reference.log" 2>&1
echo "reference rc $?"; tail -4 "$R/reference.log"
pack
