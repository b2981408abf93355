"""PyTorch eager baseline on any device and dtype, for `distilner bench --device cuda`: the same sentences,
tokenisation, sorting, batching and JSON as ../shared/reference/infer_reference.py (the CPU fp32 baseline),
with the model cast to --dtype on --device, `torch.inference_mode`, and every timed batch ended by a CUDA
synchronize (GPU kernels run asynchronously: a clock read before they finish times only their launch).

usage: python torch_eager.py MODEL_DIR CONLL_FILE [--device cuda] [--dtype fp32|bf16|fp16] [--batch 1 8 32 128]
       [--threads 2] [--runs 3] [--limit N]
"""
import argparse, json, os, statistics, sys, time

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference"))
from infer_reference import read_words  # noqa: E402  (the baseline's own CoNLL reader)

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model"); ap.add_argument("conll")
    ap.add_argument("--device", default="cpu"); ap.add_argument("--dtype", default="fp32", choices=DTYPES)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--threads", type=int, default=2); ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    tok = AutoTokenizer.from_pretrained(a.model)
    model = AutoModelForTokenClassification.from_pretrained(a.model).eval().to(dev, DTYPES[a.dtype])
    sents = read_words(a.conll)
    if a.limit:
        sents = sents[:a.limit]
    enc = [tok(w, is_split_into_words=True, truncation=True, max_length=512)["input_ids"] for w in sents]
    order = sorted(range(len(enc)), key=lambda i: len(enc[i]))
    ntok = sum(len(e) for e in enc)
    out = {"model": a.model, "sentences": len(sents), "tokens": ntok, "threads": a.threads,
           "torch": torch.__version__, "device": a.device, "dtype": a.dtype}
    for bs in a.batch:
        tensors = []
        for k in range(0, len(order), bs):
            b = order[k:k + bs]
            m = max(len(enc[i]) for i in b)
            ids = torch.zeros(len(b), m, dtype=torch.long); att = torch.zeros(len(b), m, dtype=torch.long)
            for r, i in enumerate(b):
                ids[r, :len(enc[i])] = torch.tensor(enc[i]); att[r, :len(enc[i])] = 1
            tensors.append((ids.to(dev), att.to(dev)))
        runs, lat = [], []
        with torch.inference_mode():
            for ids, att in tensors[:5]:
                model(input_ids=ids, attention_mask=att)
            sync()
            for _ in range(a.runs):
                t0 = time.perf_counter()
                for ids, att in tensors:
                    t1 = time.perf_counter()
                    model(input_ids=ids, attention_mask=att).logits.argmax(-1)
                    sync()
                    lat.append((time.perf_counter() - t1) * 1000)
                runs.append(time.perf_counter() - t0)
        med = statistics.median(runs)
        lat.sort()
        out[f"batch_{bs}"] = {"sentences_per_s": len(sents) / med, "tokens_per_s": ntok / med,
                              "p50_ms": lat[len(lat) // 2], "p99_ms": lat[int(len(lat) * 0.99)]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
