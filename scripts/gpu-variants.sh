#!/usr/bin/env bash
# liftnet GPU engine variants (issue #11): measures each switch of the GPU engine that depends on GPU timing with
# liftnet.check.Throughput (contrastive training steps, samples/s) and its --profile (launches and host syncs per
# step, device time by phase), one JVM per variant. Meant to be called from scripts/gpu-check.sh's speed step:
#
#   "$here/gpu-variants.sh" --java "$java_bin" --cp "$app_cp:$test_cp" --engine cuda --data "$data_dir" \
#       --seconds "$secs" --log-dir "$logs" -- "${jvm[@]}"
#
# Variants (liftnet.check.Throughput's --gpu-* options, the same as train's, evaluate's and energy's):
#   fused      --gpu-step fused    gather, forward, free and clamped inference in one fused_step launch (default)
#   phased     --gpu-step phased   one fused_step launch per phase (4 launches per step)
#   solve      --gpu-step off      no fused_step: gather, forward GEMMs, fused_solve per phase (weights in global memory)
#   no-graph   --gpu-graphs off    no CUDA graph replay of recorded steps (Throughput's chunks differ, so they are
#                                          replayed only in training; compare with ./run.sh train --profile both ways)
#   tiled      --gpu-gemm tiled    the layered path's products one output per work-item instead of register-blocked
#                                          (1024-512-512-10; the profile's "gemm" lines give GFLOP/s per product kernel)
#   conv-gemm  --gpu-conv gemm     conv nets (--conv-nets at --conv-batches, synthetic images where not 1x28x28):
#                                          implicit-GEMM convolutions
#   conv-direct --gpu-conv direct  the same nets with one work-item per conv output (default); the "gemm" lines give GFLOP/s
#                                          per conv kernel (conv_gemm_* against conv_forward, conv_transposed, ...)
#   conv-exit  --tol 1e-9 --gpu-early-exit on   the conv nets stopping by the energy rule (at most 15 sweeps): the
#                                          sweeps after the batch's last sample stopped return at once (default)
#   conv-no-exit --tol 1e-9 --gpu-early-exit off  the same, every sweep's products computed; the same mean sweeps,
#                                          so samples/s against conv-exit is what the early exit saves
# A conv net the engine refuses (e.g. pooling it does not run yet) is reported, not counted as a failure.
# Exit status: 0 when every variant ran, 1 otherwise, 2 for a usage error.
set -uo pipefail

java_bin=java
cp=""
engine=cuda
data_dir=data/mnist
seconds=3
log_dir=.
nets=784-64-64-64-10,784-128-64-64-32-10,1024-512-512-10
batches=50,1000
conv_nets=1x28x28-c32k3-c64k3s2-c128k3s2-10,3x32x32-c64k3-p2-c128k3-p2-c256k3-p2-c256k3-p2-10
conv_batches=128
jvm=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --java) java_bin="${2:?}"; shift 2 ;;
    --cp) cp="${2:?}"; shift 2 ;;
    --engine) engine="${2:?}"; shift 2 ;;
    --data) data_dir="${2:?}"; shift 2 ;;
    --seconds) seconds="${2:?}"; shift 2 ;;
    --log-dir) log_dir="${2:?}"; shift 2 ;;
    --nets) nets="${2:?}"; shift 2 ;;
    --batches) batches="${2:?}"; shift 2 ;;
    --conv-nets) conv_nets="${2:?}"; shift 2 ;;
    --conv-batches) conv_batches="${2:?}"; shift 2 ;;
    --) shift; jvm=("$@"); break ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-variants: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$cp" ]] || { echo "gpu-variants: --cp CLASSPATH is required (liftnet.jar and the test classes)" >&2; exit 2; }

status=0
for variant in fused conv-exit conv-no-exit phased solve no-graph tiled conv-gemm conv-direct; do
  case_nets=$nets
  case_batches=$batches
  case "$variant" in
    fused) switches=(--gpu-step fused) ;;
    phased) switches=(--gpu-step phased) ;;
    solve) switches=(--gpu-step off) ;;
    no-graph) switches=(--gpu-graphs off) ;;
    tiled) switches=(--gpu-gemm tiled) ;;
    conv-gemm) switches=(--gpu-conv gemm); case_nets=$conv_nets; case_batches=$conv_batches ;;
    conv-direct) switches=(--gpu-conv direct); case_nets=$conv_nets; case_batches=$conv_batches ;;
    conv-exit) switches=(--tol 1e-9 --gpu-early-exit on); case_nets=$conv_nets; case_batches=$conv_batches ;;
    conv-no-exit) switches=(--tol 1e-9 --gpu-early-exit off); case_nets=$conv_nets; case_batches=$conv_batches ;;
  esac
  log="$log_dir/variant-$engine-$variant.log"
  echo "== $engine $variant (${switches[*]})"
  if ! "$java_bin" "${jvm[@]}" -cp "$cp" liftnet.check.Throughput "${switches[@]}" --engines "$engine" --nets "$case_nets" \
      --batches "$case_batches" --warmup 1 --seconds "$seconds" --data "$data_dir" --profile > "$log" 2>&1; then
    # a refused net (FAILED: ... does not support ...) is what the engine cannot run yet, not a failure of the variant
    if grep -q 'FAILED' "$log" && ! grep 'FAILED' "$log" | grep -qv 'does not support'; then
      echo "   (refused nets are listed as FAILED below; the variant's other cases ran)"
    else
      status=1
    fi
  fi
  grep -E 'samples/s|^profile|launches per step|host syncs per step|device time|^gemm |FAILED' "$log" | sed 's/^/   /'
done
exit $status
