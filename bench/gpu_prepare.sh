#!/usr/bin/env bash
# Fill gpu/ (ignored through .git/info/exclude) for bench/gpu_timings.sh: under the device tool's 64 MiB carry.
# usage: bench/gpu_prepare.sh TEACHER_RUN_DIR   (e.g. runs/full/teacher3, the main job's teacher)
set -euo pipefail
T=${1:?teacher run directory}
grep -qx "/gpu/" .git/info/exclude 2>/dev/null || echo "/gpu/" >> .git/info/exclude
rm -rf gpu && mkdir -p gpu/teacher gpu/data
cp "$T"/{config.json,special_tokens_map.json,tagging.json,tokenizer.json,tokenizer_config.json,vocab.txt} gpu/teacher/
cp "$T"/{README.md,metrics.json,train_config.toml} gpu/teacher/ 2>/dev/null || true
# bf16 weights: half the bytes; both distilner and transformers load them back into fp32.
.venv/bin/python - "$T/model.safetensors" gpu/teacher/model.safetensors <<'EOF'
import sys, torch
from safetensors.torch import load_file, save_file
sd = load_file(sys.argv[1])
save_file({k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in sd.items()}, sys.argv[2],
          metadata={"format": "pt"})
EOF
cp ../shared/data/conll2003/eng.{train,testa,testb} gpu/data/
cp ../shared/reference/infer_reference.py gpu/
xz -T2 -6 -c target/release/distilner > gpu/distilner.xz
du -sh gpu
