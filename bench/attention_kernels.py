"""Issue 13, session 34: attention alone at the shapes NER batches have (12 heads of 32, 1–40 positions,
a padding mask), bf16, 2 threads: aten's CPU flash-attention kernel (what SDPA picks) against SDPA's math
backend and against the two products written out around an fp32 softmax (aoti_compile.py's
`bfloat16-math`), with bf16 scores and with scores from an fp32 product. The flash kernel's bf16 products
go through MKL (perf: mkl_gemm_bf16bf16f32, on AMD its generic path with an fp32 sgemm); the written-out
ones through aten's matmul. µs per call, median of 7 runs of N calls, and each one's largest error against
fp32 SDPA. usage: .venv/bin/python bench/attention_kernels.py"""
import statistics, time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

torch.set_num_threads(2)
bf = torch.bfloat16


def math(q, k, v, mask):
    s = torch.matmul(q, k.transpose(2, 3)).float() * q.size(-1) ** -0.5 + mask
    return torch.matmul(s.softmax(-1).to(bf), v)


def math_f32_scores(q, k, v, mask):
    s = torch.matmul(q.float(), k.float().transpose(2, 3)) * q.size(-1) ** -0.5 + mask
    return torch.matmul(s.softmax(-1).to(bf), v)


def flash(q, k, v, mask):
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(bf))


def sdpa_math(q, k, v, mask):
    with sdpa_kernel(SDPBackend.MATH):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(bf))


def timed(f, args, n):
    runs = []
    for _ in range(8):
        t0 = time.perf_counter()
        for _ in range(n):
            f(*args)
        runs.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(runs[1:])


print("batch x positions | flash | sdpa math | written out | written out, fp32 scores | written out / flash | fp32 scores / flash | "
      "max error against fp32 SDPA: flash / written out / fp32 scores")
with torch.inference_mode():
    for b, t in [(1, 12), (1, 24), (8, 16), (8, 40), (32, 16), (32, 24), (32, 40)]:
        # Queries and keys at the scale a trained model's have (scores of tens), values unit.
        q, k = (torch.randn(b, 12, t, 32).mul(2).to(bf) for _ in range(2))
        v = torch.randn(b, 12, t, 32).to(bf)
        mask = torch.zeros(b, 1, t, t)
        mask[0, ..., t // 2:] = torch.finfo(torch.float32).min  # one padded row
        n = max(20, 4000 // (b * t))
        r = {f.__name__: timed(f, (q, k, v, mask), n) for f in (flash, sdpa_math, math, math_f32_scores)}
        ref = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=mask)
        err = {f.__name__: (f(q, k, v, mask).float() - ref).abs().max().item() for f in (flash, math, math_f32_scores)}
        print(f"{b} x {t} | {r['flash']:.0f} | {r['sdpa_math']:.0f} | {r['math']:.0f} | {r['math_f32_scores']:.0f} | "
              f"{r['math'] / r['flash']:.2f} | {r['math_f32_scores'] / r['flash']:.2f} | "
              f"{err['flash']:.4f} / {err['math']:.4f} / {err['math_f32_scores']:.4f}", flush=True)
