#!/usr/bin/env bash
# Issue 14 (session 20): full-scale students configured by TOML files alone (the new [distill] table), one
# after the other, alone on the idle machine, from a private copy of the binary (/tmp/dn20).
L=bench/logs/2026-12-01/amx20
set -x
/usr/bin/time -v /tmp/dn20 distill --config $L/student12_ctx64.toml --out runs/full/student12_ctx64_of_ctx64_long \
  > $L/student12_ctx64_of_ctx64_long.out 2> $L/student12_ctx64_of_ctx64_long.err
echo "context student rc $?"
/usr/bin/time -v /tmp/dn20 distill --config $L/student12_lr2e4.toml --out runs/full/student12_lr2e4_of_ctx64_long \
  > $L/student12_lr2e4_of_ctx64_long.out 2> $L/student12_lr2e4_of_ctx64_long.err
echo "lr 2e-4 student rc $?"
