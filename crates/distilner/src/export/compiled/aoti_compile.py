"""`distilner compile`'s Python half: export one run directory with torch.export (the HF model as
transformers loads it, in fp32 or bf16, batch and length dynamic; or int8: its Linear layers
quantized statically by torchao's PT2E flow for x86, calibrated on CALIBRATION, the rest fp32 but
attention in ATTENTION's dtype) and
compile it with AOTInductor into .pt2
packages that libtorch's C++ loader runs without Python, one per example shape: max-autotune tunes
its GEMMs for the example's row count, so a package tuned for batch-1 rows loses at batch 32 and
the other way round. Prints one JSON line with what it used.
usage: python aoti_compile.py RUN_DIR MAX_BATCH MAX_LEN AUTOTUNE(0|1) THREADS DTYPE(float32|bfloat16|int8)
       ATTENTION(float32 | bfloat16 (bf16's own, or int8's), its kernel chosen per package by attention_for |
       bfloat16-sdpa | bfloat16-math) CALIBRATION(.safetensors of ids.N/mask.N batches, or -)
       OUT.pt2:BxT [OUT.pt2:BxT ...]
"""
import json, platform, sys, time

import torch
import transformers
from torch._inductor import cpu_vec_isa
from transformers import AutoModelForTokenClassification

run, max_batch, max_len, autotune, threads, dtype, attention, calibration = sys.argv[1:9]
max_batch, max_len, threads = int(max_batch), int(max_len), int(threads)
packages = [(a.rsplit(":", 1)[0], [int(x) for x in a.rsplit(":", 1)[1].split("x")]) for a in sys.argv[9:]]
torch.set_num_threads(threads)

# bf16: every weight and activation in bf16, as transformers runs it; Inductor keeps reductions
# (LayerNorm, softmax) in fp32 inside its kernels.
int8 = dtype == "int8"
impl = "sdpa"
if attention.startswith("bfloat16"):
    # Attention in bf16: bf16's own, or int8's, as distilner's eager int8 runs it where the CPU has
    # native bf16 (the context goes back to fp32 for the output projection's quantization). A
    # custom attention gets no mask from transformers unless a mask function is registered under
    # its name too (without it padded keys were attended to: session 17's failure).
    from transformers import AttentionInterface
    from transformers.integrations.sdpa_attention import sdpa_attention_forward
    from transformers.masking_utils import AttentionMaskInterface, eager_mask, sdpa_mask
    bf = torch.bfloat16

    def sdpa_bf16(module, q, k, v, mask, **kw):
        """aten's fused SDPA kernel on bf16 queries, keys and values."""
        mask = mask if mask is None or mask.dtype == torch.bool else mask.to(bf)
        out, weights = sdpa_attention_forward(module, q.to(bf), k.to(bf), v.to(bf), mask, **kw)
        return out.to(q.dtype), weights

    def math_bf16(module, q, k, v, mask, scaling=None, dropout=0.0, **kw):
        """The two products written out around an fp32 softmax, for Inductor to fuse, the
        probabilities times the values in bf16. The scores in fp32, from queries and keys in the
        model's dtype: int8's fp32 ones (rounded to bf16 they moved the teacher's logits past the
        package check's tolerance) or bf16's own, as distilner's eager bf16 computes them."""
        scaling = q.size(-1) ** -0.5 if scaling is None else scaling
        s = torch.matmul(q, k.transpose(2, 3)).float() * scaling
        if mask is not None:
            s = s + mask
        out = torch.matmul(s.softmax(-1).to(bf), v.to(bf)).transpose(1, 2).contiguous()
        return out.to(q.dtype), None

    AttentionInterface.register("sdpa_bf16", sdpa_bf16)
    AttentionMaskInterface.register("sdpa_bf16", sdpa_mask)
    AttentionInterface.register("math_bf16", math_bf16)
    AttentionMaskInterface.register("math_bf16", eager_mask)
    impl = {"bfloat16-sdpa": "sdpa_bf16", "bfloat16-math": "math_bf16"}.get(attention, "sdpa_bf16")


WRITTEN_OUT_ROWS = 8


def attention_for(b):
    """The attention kernel of a package tuned for b rows, where attention runs in bf16 (ATTENTION
    `bfloat16`: int8's where the CPU has native bf16, and bf16's own). Written out from
    WRITTEN_OUT_ROWS: aten's fused kernel runs its bf16 products through MKL, on AMD its generic
    path; int8 packages tuned for 32 rows were 20-25% (teacher) and 19% (student) faster at batch 8
    and 32 with them written out, and at batch 1 the fused kernel was 5% faster (bench/RESULTS.md,
    session 34); bf16 packages: session 35."""
    return "math_bf16" if attention == "bfloat16" and b >= WRITTEN_OUT_ROWS else impl


models = {}


def model_for(name):
    if name not in models:
        models[name] = AutoModelForTokenClassification.from_pretrained(
            run, dtype=torch.float32 if int8 else getattr(torch, dtype), attn_implementation=name).eval()
    return models[name]


class Logits(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask).logits


B = torch.export.Dim("batch", min=1, max=max_batch)
T = torch.export.Dim("length", min=2, max=max_len)
DYNAMIC = {"input_ids": {0: B, 1: T}, "attention_mask": {0: B, 1: T}}


def quantized(module, ids, mask):
    """Static int8 for every Linear: weights per output channel, activations per tensor with
    scales observed on the calibration batches (the x86 quantizer's defaults), lowered by Inductor
    to oneDNN int8 GEMMs with the weights prepacked."""
    from safetensors.torch import load_file
    try:
        from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
        import torchao.quantization.pt2e.quantizer.x86_inductor_quantizer as xiq
    except ImportError as e:
        sys.exit(f"int8 packages need torchao's PT2E quantizer ({e}): run ./setup.sh, which installs it")

    # The quantizer finds Linear layers by the source of each op, which only strict export records.
    ep = torch.export.export(module, (ids, mask), dynamic_shapes=DYNAMIC, strict=True)
    q = xiq.X86InductorQuantizer()
    q.set_global(xiq.get_default_x86_inductor_quantization_config())
    prepared = prepare_pt2e(ep.module(), q)
    batches = load_file(calibration)
    for i in range(len(batches) // 2):
        prepared(batches[f"ids.{i}"], batches[f"mask.{i}"])
    return convert_pt2e(prepared)


# fp32 also fuses the linears that share an input (query, key, value) into one GEMM: one oneDNN call
# instead of three, and at batch 1 fp32 pays mostly per call (+7% on the main job's student). bf16
# gains nothing; int8's quantized linears are left unfused by it (bench/RESULTS.md, session 17).
CONFIGS = {"freezing": True, "max_autotune": autotune == "1", "cpp.enable_concat_linear": dtype == "float32"}
compiled = []
calibrated = {}
for out, (b, t) in packages:
    # An example batch of 1 would be specialised into the graph, so b >= 2; one row is padded, so the
    # graph takes the masked path the tagger's padded batches need.
    ids = torch.randint(1000, 2000, (max(b, 2), min(t, max_len)))
    mask = torch.ones_like(ids)
    mask[1, ids.shape[1] // 2:] = 0
    t0 = time.time()
    name = attention_for(b)
    module = Logits(model_for(name))
    if int8:
        if name not in calibrated:
            with torch.no_grad():
                calibrated[name] = quantized(module, ids, mask)
        module = calibrated[name]
    # (The quantized graph is exported as it was calibrated, under no_grad.)
    with torch.no_grad() if int8 else torch.inference_mode():
        ep = torch.export.export(module, (ids, mask), dynamic_shapes=DYNAMIC)
        # Frozen weights let Inductor prepack them; max-autotune picks its C++ micro-GEMMs where they win.
        path = torch._inductor.aoti_compile_and_package(ep, package_path=out, inductor_configs=CONFIGS)
    ran = model_for(name).config._attn_implementation  # what transformers ran, not what was asked
    compiled.append({"package": path, "example": list(ids.shape), "seconds": round(time.time() - t0, 1),
                     "attention": {"sdpa_bf16": "sdpa", "math_bf16": "math"}.get(ran, ran)})
print(json.dumps({
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "python": platform.python_version(),
    "vec_isa": str(cpu_vec_isa.pick_vec_isa()),
    "arch_flags": cpu_vec_isa.pick_vec_isa().build_arch_flags(),
    "inductor_configs": CONFIGS,
    # The dtype attention runs in (each package records its kernel).
    "attention": "bfloat16" if impl.endswith("_bf16") else dtype.replace("int8", "float32"),
    "packages": compiled,
}))
