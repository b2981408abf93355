"""ONNX Runtime side of `distilner bench --onnxruntime` (runs in .venv-onnx: optimum-onnx needs
transformers 4.x). Exports the run directory with Optimum's exporter, quantizes it with ONNX
Runtime's dynamic int8 quantizer (the AVX512-VNNI config), and then answers the bench over JSON lines
on stdin/stdout, so its timed passes interleave with distilner's in one run:
  first line in:  {"rows": [[ids]], "pad": id, "batches": [1, 8, 32], "windows": [[ids]]}
  reply:          {"engines": [...], "versions": {...}, "export_s", "quantize_s",
                   "logits": {engine: [[[float]]] per window}}
  then per pass:  {"engine": "int8", "batch": 8, "warm": false} -> {"total_s", "lat_ms": [...]}
Timing covers the session run and the argmax, as distilner's does; batches are built before."""
import argparse, json, os, subprocess, sys, time

import numpy as np
import onnxruntime as ort


def cli(*args):
    exe = os.path.join(os.path.dirname(sys.executable), "optimum-cli")
    t = time.perf_counter()
    r = subprocess.run([exe, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"optimum-cli {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return time.perf_counter() - t


def pad(rows, pad_id):
    t = max(len(r) for r in rows)
    ids = np.full((len(rows), t), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), t), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    fp32, int8 = os.path.join(a.work, "fp32"), os.path.join(a.work, "int8")
    export_s = cli("export", "onnx", "--task", "token-classification", "--model", a.model, fp32)
    quantize_s = cli("onnxruntime", "quantize", "--onnx_model", fp32, "--avx512_vnni", "-o", int8)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sessions = {
        "fp32": ort.InferenceSession(os.path.join(fp32, "model.onnx"), so, providers=["CPUExecutionProvider"]),
        "int8": ort.InferenceSession(os.path.join(int8, "model_quantized.onnx"), so, providers=["CPUExecutionProvider"]),
    }
    req = json.loads(sys.stdin.readline())
    names = {k: [i.name for i in s.get_inputs()] for k, s in sessions.items()}

    def feed(engine, ids, mask):
        f = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names[engine]:
            f["token_type_ids"] = np.zeros_like(ids)
        return f

    # The same batches as distilner's: rows sorted by length (stable), then cut in order.
    order = sorted(range(len(req["rows"])), key=lambda i: len(req["rows"][i]))
    batches = {
        b: [pad([req["rows"][i] for i in order[k : k + b]], req["pad"]) for k in range(0, len(order), b)]
        for b in req["batches"]
    }
    logits = {}
    for e, s in sessions.items():
        out = []
        for w in req["windows"]:
            ids, mask = pad([w], req["pad"])
            out.append(s.run(["logits"], feed(e, ids, mask))[0][0].tolist())
        logits[e] = out
    import onnx, optimum.version, transformers
    print(json.dumps({
        "engines": list(sessions),
        "versions": {"onnxruntime": ort.__version__, "optimum": optimum.version.__version__,
                     "transformers": transformers.__version__, "onnx": onnx.__version__},
        "export_s": export_s, "quantize_s": quantize_s, "logits": logits,
    }), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("quit"):
            break
        s, e = sessions[cmd["engine"]], cmd["engine"]
        todo = batches[cmd["batch"]][:5] if cmd.get("warm") else batches[cmd["batch"]]
        lat = []
        t0 = time.perf_counter()
        for ids, mask in todo:
            t1 = time.perf_counter()
            s.run(["logits"], feed(e, ids, mask))[0].argmax(-1)
            lat.append((time.perf_counter() - t1) * 1000.0)
        print(json.dumps({"total_s": time.perf_counter() - t0, "lat_ms": lat}), flush=True)


if __name__ == "__main__":
    main()
