set -x
cd /work/main
S=runs/default/student
.venv-onnx/bin/optimum-cli export onnx --model $S --task token-classification /tmp/x26/onnx_student > /tmp/x26/export.log 2>&1
P=.venv/bin/python
time $P /tmp/x26/aoti_var.py $S 1024 512 1 2 float32 - /tmp/x26/A.pt2:2x16
time EXTRA='{"cpp.weight_prepack": false}' $P /tmp/x26/aoti_var.py $S 1024 512 0 2 float32 - /tmp/x26/B.pt2:2x16
time EXTRA='{"cpp.weight_prepack": false}' $P /tmp/x26/aoti_var.py $S 1024 512 1 2 float32 - /tmp/x26/C.pt2:2x16
