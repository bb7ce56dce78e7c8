#!/usr/bin/env bash
# one run of each, interleaved: local scheduler (JDK 17), Spark local[2], standalone cluster (2 workers x 1 core)
cd "$(dirname "$0")/../../.."
args=(--seeds 1,2,3,4,5,6 --net 784-32-10 --epochs 3 --limit 5000)
t() { local s e; s=$(date +%s.%N); "$@"; local rc=$?; e=$(date +%s.%N); echo "$(echo "$e - $s" | bc) s, exit $rc" >&3; }
export LIFTNET_NO_FETCH=1
rm -rf /tmp/wt20-cost-*
echo -n "local (JDK 17, --parallel 2 --threads 1): "; t env LIFTNET_JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java nice -n 10 ./run.sh sweep "${args[@]}" --parallel 2 --threads 1 --out /tmp/wt20-cost-local 3>&1 >/tmp/wt20-cost-local.log 2>&1
echo -n "spark local[2]: "; t nice -n 10 ./run.sh sweep "${args[@]}" --spark 'local[2]' --out /tmp/wt20-cost-sparklocal 3>&1 >/tmp/wt20-cost-sparklocal.log 2>&1
s=$(date +%s.%N)
url=$(nice -n 10 scripts/spark-cluster.sh start --workers 2 --cores 1 --dir /tmp/wt20-cost-cluster 2>/dev/null | tail -n 1)
e=$(date +%s.%N); echo "cluster start: $(echo "$e - $s" | bc) s ($url)"
echo -n "standalone sweep: "; t nice -n 10 ./run.sh sweep "${args[@]}" --spark "$url" --out /tmp/wt20-cost-standalone 3>&1 >/tmp/wt20-cost-standalone.log 2>&1
echo -n "cluster stop: "; t scripts/spark-cluster.sh stop --dir /tmp/wt20-cost-cluster 3>&1 2>/dev/null
for d in local sparklocal standalone; do python3 -c "
import json;d=json.load(open('/tmp/wt20-cost-$d/sweep.json'));print('$d', 'wall_seconds %.1f task_seconds %.1f training seconds %.1f' % (d['wall_seconds'], d['task_seconds'], sum(r['seconds'] for r in d['runs'])), 'test_acc', [r['test_acc'] for r in d['runs']])"; done
