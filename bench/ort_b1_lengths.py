"""Issue 13: ONNX Runtime's batch-1 call at fixed sentence lengths, the counterpart of
`examples/int8_b1_profile.rs`'s "model" rows (random ids, all attended, 2 threads, sequential
executor, all graph optimizations, as `bench --onnxruntime` runs it). Median of 15 timings of 100
runs, µs per call. The model is Optimum's export of a run directory, quantized as `bench` does:
  .venv-onnx/bin/optimum-cli export onnx --task token-classification --model RUN_DIR OUT/fp32
  .venv-onnx/bin/optimum-cli onnxruntime quantize --onnx_model OUT/fp32 --avx512_vnni -o OUT/int8
usage: .venv-onnx/bin/python bench/ort_b1_lengths.py OUT/int8/model_quantized.onnx [lengths] [threads]
"""
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

lengths = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "1,8,19,40").split(",")]
so = ort.SessionOptions()
so.intra_op_num_threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
s = ort.InferenceSession(sys.argv[1], so, providers=["CPUExecutionProvider"])
names = [i.name for i in s.get_inputs()]
rng = np.random.default_rng(0)
out = {}
for t in lengths:
    ids = rng.integers(1000, 20000, (1, t)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(ids)
    for _ in range(100):
        s.run(None, feed)
    v = []
    for _ in range(15):
        t0 = time.perf_counter()
        for _ in range(100):
            s.run(None, feed)
        v.append((time.perf_counter() - t0) / 100 * 1e6)
    out[t] = round(statistics.median(v), 1)
print(f"onnxruntime {ort.__version__} int8, {so.intra_op_num_threads} threads, µs per call by length: {out}")
