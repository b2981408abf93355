import sys, time, statistics, numpy as np, torch, onnxruntime as ort
from tokenizers import Tokenizer
torch.set_num_threads(2)
tok = Tokenizer.from_file("/work/main/runs/default/student/tokenizer.json")
sents, cur = [], []
for line in open("/work/shared/data/conll2003/eng.testb"):
    w = line.split()
    if not w or w[0] == "-DOCSTART-":
        if cur: sents.append(cur); cur = []
        continue
    cur.append(w[0])
if cur: sents.append(cur)
rows = sorted([tok.encode(s, is_pretokenized=True).ids for s in sents], key=len)
print(len(rows), "sentences; ids median", statistics.median(map(len, rows)), flush=True)
pk = {v: torch._inductor.aoti_load_package(f"/tmp/x26/{v}.pt2") for v in sys.argv[1:]}
so = ort.SessionOptions(); so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
sess = ort.InferenceSession("/tmp/x26/onnx_student/model.onnx", so, providers=["CPUExecutionProvider"])
names = [i.name for i in sess.get_inputs()]
T = [torch.tensor([r]) for r in rows]
def run_pkg(m, lo=0, hi=10**9):
    for t in T:
        if lo <= t.shape[1] < hi: m(t, torch.ones_like(t)).argmax(-1)
def run_ort():
    for t in T:
        f = {"input_ids": t.numpy(), "attention_mask": np.ones_like(t.numpy())}
        if "token_type_ids" in names: f["token_type_ids"] = np.zeros_like(f["input_ids"])
        sess.run(None, f)[0].argmax(-1)
res = {}
with torch.inference_mode():
    for rep in range(3):
        for name, fn in [(v, lambda v=v: run_pkg(pk[v])) for v in pk] + [("ort", run_ort)]:
            t0 = time.perf_counter(); fn(); res.setdefault(name, []).append(time.perf_counter() - t0)
        # per-length-bucket times for the packages
for k, v in res.items(): print(k, "sent/s", round(len(rows) / statistics.median(v)))
with torch.inference_mode():
    for lo, hi in [(0, 8), (8, 16), (16, 32), (32, 1000)]:
        n = sum(lo <= t.shape[1] < hi for t in T)
        out = [f"[{lo},{hi}) n={n}"]
        for v in pk:
            ts = []
            for _ in range(3):
                t0 = time.perf_counter(); run_pkg(pk[v], lo, hi); ts.append(time.perf_counter() - t0)
            out.append(f"{v} {statistics.median(ts)*1e3:.0f} ms")
        print(*out, flush=True)
