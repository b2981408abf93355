# Issue 13, session 26: fp32 packages with unpacked weights (new: MKL sgemm) against prepacked (old: oneDNN).
# Same run directories copied twice; each copy compiled by one binary (the compile script is embedded),
# then one bench run times both copies and ONNX Runtime, interleaved. Idle machine.
set -e
cd /work/main
L=bench/logs/2026-12-02/amx26
for m in student teacher; do
  for v in old new; do
    d=/tmp/x26/${v}_$m; rm -rf $d; mkdir -p $d
    cp runs/default/$m/{config.json,model.safetensors,tokenizer.json,tokenizer_config.json,special_tokens_map.json,vocab.txt,tagging.json,metrics.json,README.md} $d/
  done
  /tmp/dn26_old compile --model /tmp/x26/old_$m --precision fp32 > $L/compile_old_$m.log 2>&1
  /tmp/dn26_new compile --model /tmp/x26/new_$m --precision fp32 > $L/compile_new_$m.log 2>&1
  cp /tmp/x26/old_$m/compiled.json $L/compiled_old_$m.json; cp /tmp/x26/new_$m/compiled.json $L/compiled_new_$m.json
done
/tmp/dn26_new bench --model /tmp/x26/old_student --model /tmp/x26/new_student --model /tmp/x26/old_teacher --model /tmp/x26/new_teacher \
  --precision fp32 --compiled --onnxruntime --no-reference --batch 1 8 32 --json $L/prepack_ab.json > $L/prepack_ab.log 2>&1
echo finished
