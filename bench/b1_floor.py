"""Issue 13: how much of fp32's batch-1 gap is per call. Times one AOTInductor package and ONNX Runtime
(the same model, exported by `bench --onnxruntime` or `optimum-cli export onnx`) at batch 1 on random rows
of 3, 19 and 40 ids: ms per call (forward + argmax), median of 7 × 300 calls, 2 threads. What stays at 3
ids is the per-call floor: weights streamed once, and each engine's own work around its kernels.
usage: ONEDNN_PRIMITIVE_CACHE_CAPACITY=4096 .venv-onnx/bin/python bench/b1_floor.py PACKAGE.pt2 MODEL.onnx"""
import os, sys, time, statistics
import numpy as np, torch, onnxruntime as ort
torch.set_num_threads(2)
pkg, onnx = sys.argv[1], sys.argv[2]
so = ort.SessionOptions(); so.intra_op_num_threads = 2; so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
sess = ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])
names = [i.name for i in sess.get_inputs()]
m = torch._inductor.aoti_load_package(pkg)
def t_pkg(ids):
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        for _ in range(50): m(ids, mask)
        ts = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(300): m(ids, mask).argmax(-1)
            ts.append((time.perf_counter() - t0) / 300 * 1e3)
    return statistics.median(ts)
def t_ort(ids):
    f = {"input_ids": ids.numpy(), "attention_mask": np.ones_like(ids.numpy())}
    if "token_type_ids" in names: f["token_type_ids"] = np.zeros_like(f["input_ids"])
    for _ in range(50): sess.run(None, f)
    ts = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(300): sess.run(None, f)[0].argmax(-1)
        ts.append((time.perf_counter() - t0) / 300 * 1e3)
    return statistics.median(ts)
for n in (3, 19, 40):
    ids = torch.randint(1000, 2000, (1, n))
    print(f"{n} ids: package {t_pkg(ids):.3f} ms, ONNX Runtime {t_ort(ids):.3f} ms", flush=True)
