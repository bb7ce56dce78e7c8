#!/usr/bin/env bash
# A standalone cluster of 2 workers (1 core each), a 6-seed sweep on it, worker 1 killed mid-sweep.
# usage: commands.sh NAME OUT-ARG OUT-DIR
#   MODE=first   (default) kill worker 1 once the first run folder has appeared under OUT-DIR/runs
#   MODE=worker1 kill worker 1 once a run folder that worker 1 trained has been copied (its log names worker-1)
# What ran (kill/ and file/ here):
#   commands.sh kill /tmp/wt20-kill-out /tmp/wt20-kill-out
#   MODE=worker1 commands.sh file file:///tmp/wt20-file-out /tmp/wt20-file-out
#   ./run.sh train --seed 1 --net 784-32-10 --epochs 3 --limit 5000 --threads 1 --out /tmp/wt20-alone1   (train-alone-seed-1/)
set -u
cd "$(dirname "$0")/../../.."
name=$1; outarg=$2; outdir=$3
D=/tmp/wt20-$name-cluster
rm -rf "$D" "$outdir"
url=$(nice -n 10 scripts/spark-cluster.sh start --workers 2 --dir "$D" --cores 1 | tail -n 1)
echo "master: $url"
s=$(date +%s.%N)
LIFTNET_NO_FETCH=1 nice -n 10 ./run.sh sweep --spark "$url" --seeds 1,2,3,4,5,6 --net 784-32-10 --epochs 3 --limit 5000 --out "$outarg" > /tmp/wt20-$name.out 2> /tmp/wt20-$name.err &
sweep=$!
while kill -0 $sweep 2>/dev/null; do
  if [[ "${MODE:-first}" == first && -n "$(ls "$outdir/runs" 2>/dev/null)" ]] \
     || [[ "${MODE:-first}" == worker1 && -n "$(grep -l "worker-1/work" "$outdir"/logs/*.log 2>/dev/null)" ]]; then
    echo "run folders when killing: $(ls "$outdir/runs"), logs from worker 1: $(grep -l "worker-1/work" "$outdir"/logs/*.log 2>/dev/null) at $(echo "$(date +%s.%N) - $s" | bc) s"
    scripts/spark-cluster.sh kill-worker 1 --dir "$D"
    break
  fi
  sleep 0.1
done
wait $sweep; rc=$?
e=$(date +%s.%N)
echo "sweep exit status: $rc, wall $(echo "$e - $s" | bc) s"
scripts/spark-cluster.sh stop --dir "$D"
