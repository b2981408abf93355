#!/usr/bin/env bash
# Build the Python package's wheel with maturin and install it into .venv (setup.sh and the pytest
# runner call this). Cargo makes the build incremental; the wheel is reinstalled only when it changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=target/wheels
mkdir -p "$OUT"
rm -f "$OUT"/distilner-*.whl
# --compatibility linux: the wheel links the libtorch of the torch wheel beside it (rpath), which a
# manylinux repair would copy in; it is a plain linux wheel that needs torch==2.11.0 installed.
"$PY" -m maturin build --release --quiet --compatibility linux -m python/Cargo.toml -i "$PY" -o "$OUT" >&2
whl=$(ls "$OUT"/distilner-*.whl)
sum=$(sha256sum "$whl" | cut -d' ' -f1)
stamp=.venv/.distilner-wheel-sha256
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$sum" ] || ! "$PY" -c "import distilner" 2>/dev/null; then
  # --no-deps: torch==2.11.0 is already in .venv (setup.sh); pip would otherwise re-resolve it.
  "$PY" -m pip install -q --no-deps --force-reinstall "$whl"
  echo "$sum" > "$stamp"
fi
echo "$whl"
