"""Issue 13: how much of fp32's batch-1 gap is per call. Times one AOTInductor package and ONNX Runtime
(the same model, exported by `bench --onnxruntime` or `optimum-cli export onnx`) at batch 1 on random rows
of 3, 19 and 40 ids: ms per call (forward + argmax), median of 7 × 300 calls, 2 threads. What stays at 3
ids is the per-call floor: weights streamed once, and each engine's own work around its kernels.
usage: ONEDNN_PRIMITIVE_CACHE_CAPACITY=4096 .venv-onnx/bin/python bench/b1_floor.py PACKAGE.pt2 MODEL.onnx"""
import statistics, sys, time

import numpy as np
import onnxruntime as ort
import torch

torch.set_num_threads(2)
pkg, onnx = sys.argv[1], sys.argv[2]
so = ort.SessionOptions()
so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
sess = ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])
names = [i.name for i in sess.get_inputs()]
model = torch._inductor.aoti_load_package(pkg)


def ms_per_call(call):
    """Median over 7 runs of 300 calls, after 50 to warm up."""
    for _ in range(50):
        call()
    ts = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(300):
            call()
        ts.append((time.perf_counter() - t0) / 300 * 1e3)
    return statistics.median(ts)


for n in (3, 19, 40):
    ids = torch.randint(1000, 2000, (1, n))
    mask = torch.ones_like(ids)
    feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
    with torch.inference_mode():
        package = ms_per_call(lambda: model(ids, mask).argmax(-1))
    onnxruntime = ms_per_call(lambda: sess.run(None, feed)[0].argmax(-1))
    print(f"{n} ids: package {package:.3f} ms, ONNX Runtime {onnxruntime:.3f} ms", flush=True)
