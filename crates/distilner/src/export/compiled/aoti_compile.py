"""`distilner compile`'s Python half: export one run directory with torch.export (the HF model as
transformers loads it, in fp32 or bf16, batch and length dynamic) and compile it with AOTInductor into .pt2
packages that libtorch's C++ loader runs without Python, one per example shape: max-autotune tunes
its GEMMs for the example's row count, so a package tuned for batch-1 rows loses at batch 32 and
the other way round. Prints one JSON line with what it used.
usage: python aoti_compile.py RUN_DIR MAX_BATCH MAX_LEN AUTOTUNE(0|1) THREADS DTYPE(float32|bfloat16)
       OUT.pt2:BxT [OUT.pt2:BxT ...]
"""
import json, platform, sys, time

import torch
import transformers
from torch._inductor import cpu_vec_isa
from transformers import AutoModelForTokenClassification

run, max_batch, max_len, autotune, threads, dtype = sys.argv[1:7]
max_batch, max_len, threads = int(max_batch), int(max_len), int(threads)
packages = [(a.rsplit(":", 1)[0], [int(x) for x in a.rsplit(":", 1)[1].split("x")]) for a in sys.argv[7:]]
torch.set_num_threads(threads)

# bf16: every weight and activation in bf16, as transformers runs it; Inductor keeps reductions
# (LayerNorm, softmax) in fp32 inside its kernels.
model = AutoModelForTokenClassification.from_pretrained(run, dtype=getattr(torch, dtype)).eval()


class Logits(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask).logits


B = torch.export.Dim("batch", min=1, max=max_batch)
T = torch.export.Dim("length", min=2, max=max_len)
compiled = []
for out, (b, t) in packages:
    # An example batch of 1 would be specialised into the graph, so b >= 2; one row is padded, so the
    # graph takes the masked path the tagger's padded batches need.
    ids = torch.randint(1000, 2000, (max(b, 2), min(t, max_len)))
    mask = torch.ones_like(ids)
    mask[1, ids.shape[1] // 2:] = 0
    t0 = time.time()
    with torch.inference_mode():
        ep = torch.export.export(
            Logits(model), (ids, mask),
            dynamic_shapes={"input_ids": {0: B, 1: T}, "attention_mask": {0: B, 1: T}})
        # Frozen weights let Inductor prepack them; max-autotune picks its C++ micro-GEMMs where they win.
        path = torch._inductor.aoti_compile_and_package(
            ep, package_path=out,
            inductor_configs={"freezing": True, "max_autotune": autotune == "1"})
    compiled.append({"package": path, "example": list(ids.shape), "seconds": round(time.time() - t0, 1)})
print(json.dumps({
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "python": platform.python_version(),
    "vec_isa": str(cpu_vec_isa.pick_vec_isa()),
    "arch_flags": cpu_vec_isa.pick_vec_isa().build_arch_flags(),
    "packages": compiled,
}))
