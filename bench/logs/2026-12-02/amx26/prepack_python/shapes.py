import statistics, sys, time, torch
torch.set_num_threads(2)
pk = {v: torch._inductor.aoti_load_package(f"/tmp/x26/{v}.pt2") for v in sys.argv[1:]}
for b, t in [(1, 14), (2, 14), (4, 16), (8, 18), (32, 24)]:
    ids = torch.randint(1000, 2000, (b, t)); mask = torch.ones_like(ids); mask[-1, t // 2:] = 0
    out = [f"{b}x{t}"]
    for v, m in pk.items():
        with torch.inference_mode():
            for _ in range(30): m(ids, mask)
            ts = []
            for _ in range(5):
                n = max(20, 600 // b); t0 = time.perf_counter()
                for _ in range(n): m(ids, mask).argmax(-1)
                ts.append((time.perf_counter() - t0) / n * 1e3)
        out.append(f"{v} {statistics.median(ts):.3f}")
    print(*out, flush=True)
