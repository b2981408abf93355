# Sourced by the device scripts (bench/gpu_timings.sh, bench/gpu_context.sh) with R (results folder) and G
# (the carried gpu/ folder) set: unpacks the carried binary as $B, points it at the device's own libtorch, and
# defines `pack`, which re-packs $R into $OUT/results.tgz (the device tool returns at most 8 files).
B=/tmp/distilner_gpu
rm -rf "$R" && mkdir -p "$R"
pack() { tar czf "$OUT/results.tgz" -C "$R" . ; }
python3 -c "import lzma,shutil;shutil.copyfileobj(lzma.open('$G/distilner.xz'),open('$B','wb'))" && chmod +x $B
TL=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
export LD_LIBRARY_PATH=$TL:${LD_LIBRARY_PATH:-} PYTHONPATH=$PWD/$G PYTHONUNBUFFERED=1
