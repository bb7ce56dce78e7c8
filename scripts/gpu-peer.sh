#!/usr/bin/env bash
# liftnet's PyTorch peer (issue #11): runs bench/pytorch_peer.py, a plain PyTorch implementation of the same
# contrastive training step, at the paper's batch (784-64-64-64-10, batch 50, 15 sweeps) and at the wide case
# (1024-512-512-10, batch 1000, random inputs), on CUDA when PyTorch sees a device, else on the CPU. Meant for
# scripts/gpu-check.sh's speed step, where `python3 -c 'import torch'` works:
#
#   "$here/gpu-peer.sh" --data "$data_dir" --seconds "$secs" --log-dir "$logs"
#
# Prints one line per case (samples/s, us/step). Exit status: 0 when every case ran, 1 when one failed, 2 for a
# usage error, 3 when PyTorch is not importable (nothing to measure).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peer="$here/../bench/pytorch_peer.py"   # in a checkout
[[ -f "$here/pytorch_peer.py" ]] && peer="$here/pytorch_peer.py"   # in a bundle
python=python3
data_dir=data/mnist
seconds=3
log_dir=.
device=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --python) python="${2:?}"; shift 2 ;;
    --data) data_dir="${2:?}"; shift 2 ;;
    --seconds) seconds="${2:?}"; shift 2 ;;
    --log-dir) log_dir="${2:?}"; shift 2 ;;
    --device) device="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-peer: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
if ! "$python" -c 'import torch' > /dev/null 2>&1; then
  echo "gpu-peer: $python cannot import torch; nothing measured (install PyTorch to compare)"
  exit 3
fi
dev_opt=()
[[ -n "$device" ]] && dev_opt=(--device "$device")

status=0
for spec in "784-64-64-64-10 50 $data_dir" "1024-512-512-10 1000 random"; do
  read -r net batch data <<< "$spec"
  log="$log_dir/peer-$net-$batch.log"
  if "$python" "$peer" --net "$net" --batch "$batch" --sweeps 15 --seconds "$seconds" \
      --data "$data" "${dev_opt[@]}" > "$log" 2>&1; then
    sed 's/^/   /' "$log"
  else
    status=1
    echo "   pytorch peer $net batch $batch FAILED: $(tail -n 1 "$log")"
  fi
done
exit $status
