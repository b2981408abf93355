"""Issue 13: where an AOTInductor package's time goes. Sums `perf report` samples of the given threads
into categories: Inductor's generated kernels (the package's wrapper.so, named by `nm` since perf sees
only offsets once the package's temporary directory is gone; a C++ GEMM template is named after the
epilogue fused into it, so "GELU (+quantize)" holds the FFN's first GEMM), oneDNN, MKL, aten's flash
attention, OpenMP, the rest.
usage: python3 bench/perf_categories.py PERF.data PACKAGE_WRAPPER.so TID[,TID]
(unzip the .pt2 to get its wrapper.so; the busiest tids: perf script -F tid | sort | uniq -c)"""
import subprocess, sys, bisect, collections, re
data, so, tids = sys.argv[1], sys.argv[2], sys.argv[3]
syms = []
for l in subprocess.run(["nm", "-n", "--defined-only", "-C", so], capture_output=True, text=True).stdout.splitlines():
    p = l.split(" ", 2)
    if len(p) == 3 and p[1] in "tTwW": syms.append((int(p[0], 16), p[2]))
addrs = [a for a, _ in syms]
out = subprocess.run(["perf", "report", "-i", data, "--tid", tids, "--no-children", "--sort", "dso,sym", "--stdio", "-g", "none"],
                     capture_output=True, text=True).stdout
c = collections.Counter()
for l in out.splitlines():
    m = re.match(r"\s+([\d.]+)%\s+(.+?)\s+\[[.k]\]\s+(.*)", l)
    if not m: continue
    pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
    if "wrapper.so" in dso:
        if sym.startswith("0x"):
            i = bisect.bisect_right(addrs, int(sym.split()[0], 16)) - 1
            sym = syms[i][1] if i >= 0 else "?"
        name = re.sub(r"(_\d+)?(\._omp_fn\.\d+)?$", "", sym)
        if "gelu" in name: k = "Inductor: GELU (+quantize)"
        elif "layer_norm" in name: k = "Inductor: residual add + LayerNorm (+quantize)"
        elif "quantize" in name: k = "Inductor: other quantize/dequantize"
        elif "Gemm" in name or "gemm" in name or "amx" in name.lower(): k = "Inductor: C++ GEMM templates"
        else: k = "Inductor: other (" + name[:40] + ")"
    elif "libgomp" in dso: k = "OpenMP runtime (libgomp: barriers, spinning)"
    elif "flash_attention" in sym: k = "aten flash attention (fp32)"
    elif "mkl_blas" in sym or "sgemm" in sym: k = "MKL sgemm"
    elif "JIT" in dso or dso.startswith("perf-") or "brgemm" in sym or "jit_" in sym: k = "oneDNN kernels (GEMMs)"
    elif "dnnl" in sym or "ideep" in sym: k = "oneDNN (setup, primitive cache)"
    elif "libtorch_cpu" in dso: k = "libtorch (other)"
    elif "libc.so" in dso: k = "libc (malloc, memcpy)"
    else: k = "other (" + dso[:30] + ")"
    c[k] += pct
tot = sum(c.values())
for k, v in c.most_common(20): print("%5.1f%% %s" % (100 * v / tot, k))
