#!/bin/bash
# Issue 14, session 26: the context-64 student at lr 2e-4 of the 3-epoch context-64 lr-2e-4 teacher.
# Idle, from a private copy of the binary built from HEAD (the code of 70cf570, session 25).
set -x
D=/tmp/dn26_old; L=bench/logs/2026-12-02/amx26
/usr/bin/time -v $D distill --config $L/student12_ctx64_lr2e4.toml --out runs/lr/student12_ctx64_lr2e-4_of_ctx64_lr2e-4_s33 > $L/student12_ctx64_lr2e4.log 2>&1
