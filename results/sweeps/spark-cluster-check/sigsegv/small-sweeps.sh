#!/usr/bin/env bash
# usage: wt20-segv.sh ROOT N LABEL  -- runs the small local Spark sweep N times, sequentially, niced; counts crashes
root="$1"; n="$2"; label="$3"
log=/tmp/wt20-segv-$label
mkdir -p "$log"
crashes=0
for i in $(seq 1 "$n"); do
  out="$log/sweep-$i"; rm -rf "$out"
  s=$(date +%s)
  ( cd "$root" && LIFTNET_NO_FETCH=1 nice -n 10 ./run.sh sweep --spark 'local[2]' --net 784-32-10 --epochs 1 --limit 1000 --seeds 1,2 --out "$out" ) >"$log/run-$i.out" 2>"$log/run-$i.err"
  rc=$?
  e=$(date +%s)
  [[ $rc -eq 139 ]] && crashes=$((crashes+1))
  echo "$label run $i: exit $rc, $((e-s)) s, segv-lines $(grep -c -i 'segmentation' "$log/run-$i.err"), hs_err $(ls "$root"/hs_err* 2>/dev/null | wc -l)" | tee -a "$log/summary"
done
echo "$label: $crashes of $n runs exited 139" | tee -a "$log/summary"
