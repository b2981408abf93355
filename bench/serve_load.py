"""Load test of `distilner serve` with oha (an HTTP load generator we did not write), loopback only.

    .venv/bin/python bench/serve_load.py --model runs/memory/student [--threads 1] [--out FILE.json]

Phases, each against a fresh look at the server process (no restarts between them):
  capacity  a probe server that never refuses on wait (--max-queue-ms 1e8): closed loop, 32 connections
  unloaded  1 connection, closed loop: the unloaded p50/p99 the criteria are relative to
  1x/3x/10x open loop at that multiple of capacity (oha -q, latency-corrected), 30 s each
  c1000     1,000 connections in a closed loop, 30 s
  recovery  1 connection right after: latency back at the unloaded level?
  mix       90% one-sentence requests (90/s) beside 10% huge ones (10/s; 48 texts x 20,000 chars,
            just under the 1 MiB body limit) at once: the short ones' p99 vs unloaded
The server's RSS is sampled every 0.2 s; its exit status is checked at the end (no crash).
"""
import argparse, json, os, signal, socket, subprocess, sys, threading, time, urllib.request

PIN = {"server": [], "client": []}  # taskset prefixes (--server-cpus / --client-cpus)
SHORT = {"inputs": "EU rejects German call to boycott British lamb ."}
SENT = "Peter Blackburn of the European Commission visited Paris and Berlin on Tuesday . "


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(model, threads, extra):
    port = free_port()
    cmd = PIN["server"] + ["target/release/distilner", "serve", "--model", model, "--port", str(port),
           "--threads", str(threads), "--log-format", "json"] + extra
    log = open(f"/tmp/serve_load_{port}.log", "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if urllib.request.urlopen(url + "/health", timeout=1).status == 200:
                return p, url
        except Exception:
            time.sleep(0.1)
    raise SystemExit("server did not come up")


def oha(url, body, *args):
    """oha with the body in file `body`; a summary of what it measured."""
    out = subprocess.run(
        PIN["client"] + ["oha", "--no-tui", "--output-format", "json", "--stats-success-breakdown", "-m", "POST",
         "-H", "Content-Type: application/json", "-D", body, *args, url + "/predict"],
        capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    ok = d.get("latencyPercentilesSuccessful") or {}
    no = d.get("latencyPercentilesNotSuccessful") or {}
    ms = lambda v: None if v is None else round(v * 1e3, 2)
    return {
        "requests_per_sec": round(d["summary"]["requestsPerSec"], 1),
        "codes": d.get("statusCodeDistribution", {}),
        "client_errors": d.get("errorDistribution", {}),
        "admitted_p50_ms": ms(ok.get("p50")), "admitted_p99_ms": ms(ok.get("p99")),
        "refused_p50_ms": ms(no.get("p50")), "refused_p99_ms": ms(no.get("p99")),
        "ok_per_sec": round(d.get("statusCodeDistribution", {}).get("200", 0) / d["summary"]["total"], 1),
    }


class Rss:
    """Max resident memory of a process while `with` runs."""

    def __init__(self, pid):
        self.pid, self.max, self.stop = pid, 0, False

    def _run(self):
        while not self.stop:
            try:
                for line in open(f"/proc/{self.pid}/status"):
                    if line.startswith("VmRSS:"):
                        self.max = max(self.max, int(line.split()[1]) // 1024)
            except OSError:
                return
            time.sleep(0.2)

    def __enter__(self):
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()
        return self

    def __exit__(self, *a):
        self.stop = True
        self.t.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--out")
    ap.add_argument("--serve-args", default="", help="extra flags for the server under test")
    ap.add_argument("--phases", default="capacity,rates,c1000,mix",
                    help="which of capacity,rates,c1000,mix to run (unloaded and recovery always)")
    ap.add_argument("--server-cpus", help="pin the server to these CPUs (taskset -c), e.g. 0")
    ap.add_argument("--client-cpus", help="pin oha to these CPUs, e.g. 1")
    a = ap.parse_args()
    for who, cpus in (("server", a.server_cpus), ("client", a.client_cpus)):
        if cpus:
            PIN[who] = ["taskset", "-c", cpus]
    short, tmp = "/tmp/serve_load_short.json", "/tmp/serve_load_huge.json"
    open(short, "w").write(json.dumps(SHORT))
    huge = json.dumps({"inputs": [(SENT * 300)[:20000] for _ in range(48)]})
    open(tmp, "w").write(huge)
    res = {"model": a.model, "threads": a.threads, "cpus": os.cpu_count(),
           "server_cpus": a.server_cpus, "client_cpus": a.client_cpus,
           "serve_args": a.serve_args, "huge_body_bytes": len(huge)}

    phases = a.phases.split(",")
    extra = a.serve_args.split()
    probe_args = [x for i, x in enumerate(extra)
                  if x != "--max-queue-ms" and (i == 0 or extra[i - 1] != "--max-queue-ms")]
    if "capacity" in phases:
        probe, url = start(a.model, a.threads, probe_args + ["--max-queue-ms", "1e8"])
        oha(url, short, "-c", "8", "-z", "3s")  # warm up
        cap = oha(url, short, "-c", "32", "-z", "10s")
        probe.send_signal(signal.SIGTERM)
        probe.wait()
        capacity = cap["ok_per_sec"]
        res["capacity"] = cap
        print(f"capacity {capacity} req/s", file=sys.stderr)

    srv, url = start(a.model, a.threads, a.serve_args.split())
    oha(url, short, "-c", "1", "-z", "3s")
    res["unloaded"] = oha(url, short, "-c", "1", "-z", "10s")
    for mult in (1, 3, 10) if "rates" in phases else ():
        rate = max(1, round(capacity * mult))
        with Rss(srv.pid) as m:
            r = oha(url, short, "-q", str(rate), "--latency-correction", "-c", "256",
                    "-z", f"{a.seconds}s")
        r.update(rate=rate, rss_max_mb=m.max)
        res[f"{mult}x"] = r
        print(f"{mult}x: {r}", file=sys.stderr)
    if "c1000" in phases:
        with Rss(srv.pid) as m:
            r = oha(url, short, "-c", "1000", "-z", f"{a.seconds}s")
        r["rss_max_mb"] = m.max
        res["c1000"] = r
    res["recovery"] = oha(url, short, "-c", "1", "-z", "5s")
    # The mix: both generators at once.
    out = {}

    def run(name, body, *args):
        out[name] = oha(url, body, *args)

    with Rss(srv.pid) as m:
        ts = [] if "mix" not in phases else [threading.Thread(target=run, args=("short", short, "-q", "90", "--latency-correction",
                                                 "-c", "16", "-z", f"{a.seconds}s")),
              threading.Thread(target=run, args=("huge", tmp, "-q", "10", "-c", "16",
                                                 "-z", f"{a.seconds}s"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    out["rss_max_mb"] = m.max
    res["mix"] = out
    alive = srv.poll() is None
    srv.send_signal(signal.SIGTERM)
    res["server_alive_at_end"] = alive
    res["server_exit"] = srv.wait(timeout=60)
    text = json.dumps(res, indent=1)
    print(text)
    if a.out:
        open(a.out, "w").write(text + "\n")


if __name__ == "__main__":
    main()
