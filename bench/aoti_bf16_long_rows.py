"""Issue 13: why does the bf16 package run fewer tokens a second at batch 32 than at 8? Times eager bf16 (the HF model
cast to bf16) and both bf16 packages of runs/default/student on batches of random ids from 8x24 to 32x160, median of
5 calls each, 2 threads, with every row real and with half the rows padded by a quarter. usage: .venv/bin/python bench/aoti_bf16_long_rows.py (after distilner compile)
"""
import time, statistics, torch, sys
from transformers import AutoModelForTokenClassification
torch.set_num_threads(2)
run = "runs/default/student"
m = AutoModelForTokenClassification.from_pretrained(run, dtype=torch.bfloat16).eval()
pk = {n: torch._inductor.aoti_load_package(f"{run}/compiled-bf16/model-cpu-bf16-{n}.pt2") for n in ("2x16", "32x40")}
def t(f, ids, mask, n=5):
    f(ids, mask); ts = []
    for _ in range(n):
        t0 = time.perf_counter(); f(ids, mask); ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3
for b, l in [(8, 24), (32, 24), (8, 96), (32, 48), (32, 96), (32, 160)]:
    ids = torch.randint(1000, 2000, (b, l)); mask = torch.ones_like(ids)
    for padded in (False, True):
        if padded:  # every other row one quarter shorter, as in a length-sorted batch's spread
            mask[::2, l - l // 4:] = 0
        with torch.inference_mode():
            r = {"eager bf16": t(lambda i, k: m(input_ids=i, attention_mask=k).logits, ids, mask)}
            for n, p in pk.items(): r[n] = t(p, ids, mask)
        print(f"{b}x{l}{' padded' if padded else ''}: " + ", ".join(f"{k} {v:.1f} ms ({b*l/v:.0f} positions/ms)" for k, v in r.items()), flush=True)
