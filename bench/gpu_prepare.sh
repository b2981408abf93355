#!/usr/bin/env bash
# Fill gpu/ (ignored through .git/info/exclude) for the device scripts, under the device tool's 64 MiB carry.
# usage: bench/gpu_prepare.sh DIR:NAME [DIR:NAME ...]
#   bench/gpu_timings.sh wants   runs/full/teacher3:teacher       (the main job's teacher)
#   bench/gpu_context.sh wants   models/all-MiniLM-L6-v2:base     (the pretrained encoder)
# Each model lands in gpu/NAME: its small files as they are, model.safetensors in bf16 (half the bytes; both
# distilner and transformers load it back into fp32). Two models of this size do not fit one carry.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR:NAME [DIR:NAME ...]" >&2; exit 2; }
grep -qx "/gpu/" .git/info/exclude 2>/dev/null || echo "/gpu/" >> .git/info/exclude
rm -rf gpu && mkdir -p gpu/data
for pair in "$@"; do
  src=${pair%%:*} name=${pair#*:}
  mkdir -p "gpu/$name"
  find "$src" -maxdepth 1 -type f -size -5M ! -name model.safetensors -exec cp {} "gpu/$name/" \;
  [ -d "$src/1_Pooling" ] && cp -r "$src/1_Pooling" "gpu/$name/"
  .venv/bin/python - "$src/model.safetensors" "gpu/$name/model.safetensors" <<'EOF'
import sys, torch
from safetensors.torch import load_file, save_file
sd = load_file(sys.argv[1])
save_file({k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in sd.items()}, sys.argv[2],
          metadata={"format": "pt"})
EOF
done
cp ../shared/data/conll2003/eng.{train,testa,testb} gpu/data/
cp ../shared/reference/infer_reference.py gpu/
xz -T2 -6 -c target/release/distilner > gpu/distilner.xz
du -sh gpu
