#!/usr/bin/env bash
# Issue 12 items (a) and (d): the Spark sweep of the issue, the seed-1 run trained alone, and the time a sweep adds
# over the same runs one by one (interleaved, twice). Frozen copy of the branch at 16fb768.
cd /tmp/sweep-exp3
export LIFTNET_NO_FETCH=1
o=/tmp/ad
rm -rf $o; mkdir -p $o
common=(--net 784-32-10 --epochs 1 --limit 2000)
j17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
t() { local name=$1; shift; local s=$(date +%s.%N); "$@" > $o/$name.out 2> $o/$name.err; local st=$?; echo "$name status $st wall $(echo "$(date +%s.%N) - $s" | bc)"; }
# (a)
t a-spark ./run.sh sweep --spark 'local[2]' --seeds 1,2 "${common[@]}" --out $o/a-sweep
t a-alone ./run.sh train --seed 1 --threads 1 "${common[@]}" --out $o/a-alone
t a-alone17 env LIFTNET_JAVA=$j17 ./run.sh train --seed 1 --threads 1 "${common[@]}" --out $o/a-alone17
# (d), twice, interleaved: 2 runs one by one (JDK 25 and JDK 17), a local sweep, a Spark local[1] sweep
for rep in 1 2; do
  s=$(date +%s.%N)
  ./run.sh train --seed 1 --threads 1 "${common[@]}" --out $o/d$rep-one1 > /dev/null 2>&1
  ./run.sh train --seed 2 --threads 1 "${common[@]}" --out $o/d$rep-one2 > /dev/null 2>&1
  echo "d$rep-onebyone-jdk25 wall $(echo "$(date +%s.%N) - $s" | bc)"
  s=$(date +%s.%N)
  LIFTNET_JAVA=$j17 ./run.sh train --seed 1 --threads 1 "${common[@]}" --out $o/d$rep-one17a > /dev/null 2>&1
  LIFTNET_JAVA=$j17 ./run.sh train --seed 2 --threads 1 "${common[@]}" --out $o/d$rep-one17b > /dev/null 2>&1
  echo "d$rep-onebyone-jdk17 wall $(echo "$(date +%s.%N) - $s" | bc)"
  t d$rep-local ./run.sh sweep --seeds 1,2 --threads 1 "${common[@]}" --out $o/d$rep-local
  t d$rep-spark1 ./run.sh sweep --spark 'local[1]' --seeds 1,2 "${common[@]}" --out $o/d$rep-spark1
done
echo done
