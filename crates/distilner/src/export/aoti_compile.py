"""`distilner compile`'s Python half: export one run directory with torch.export (the HF model as
transformers loads it, fp32, batch and length dynamic) and compile it with AOTInductor into a .pt2
package that libtorch's C++ loader runs without Python. Prints one JSON line with what it used.
usage: python aoti_compile.py RUN_DIR OUT.pt2 MAX_BATCH MAX_LEN AUTOTUNE(0|1) THREADS
"""
import json, platform, sys, time

import torch
import transformers
from torch._inductor import cpu_vec_isa
from transformers import AutoModelForTokenClassification

run, out, max_batch, max_len, autotune, threads = sys.argv[1:7]
max_batch, max_len, threads = int(max_batch), int(max_len), int(threads)
torch.set_num_threads(threads)

model = AutoModelForTokenClassification.from_pretrained(run, dtype=torch.float32).eval()


class Logits(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask).logits


# The example batch has 2 rows (a batch of 1 would be specialised into the graph) and one padded row,
# so the graph takes the masked path the tagger's padded batches need.
ids = torch.randint(1000, 2000, (2, 16))
mask = torch.ones_like(ids)
mask[1, 9:] = 0
B = torch.export.Dim("batch", min=1, max=max_batch)
T = torch.export.Dim("length", min=2, max=max_len)
t0 = time.time()
with torch.inference_mode():
    ep = torch.export.export(
        Logits(model), (ids, mask),
        dynamic_shapes={"input_ids": {0: B, 1: T}, "attention_mask": {0: B, 1: T}})
    # Frozen weights let Inductor prepack them; max-autotune picks its C++ micro-GEMMs where they win.
    path = torch._inductor.aoti_compile_and_package(
        ep, package_path=out,
        inductor_configs={"freezing": True, "max_autotune": autotune == "1"})
print(json.dumps({
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "python": platform.python_version(),
    "vec_isa": str(cpu_vec_isa.pick_vec_isa()),
    "compile_seconds": round(time.time() - t0, 1),
    "package": path,
}))
