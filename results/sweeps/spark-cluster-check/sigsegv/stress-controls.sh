#!/usr/bin/env bash
# interleaved controls: no probe; probe with -Xrs
n=$1; th=$2
cp=/tmp/wt20-base/target/liftnet.jar:.
for i in $(seq 1 $n); do
  nice java --add-modules jdk.incubator.vector -cp $cp StressShort noprobe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress5-noprobe
  nice java -Xrs --add-modules jdk.incubator.vector -cp $cp StressShort probe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress5-xrs
done
