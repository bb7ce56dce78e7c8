#!/usr/bin/env bash
# interleaved: probe without jsig, probe with jsig; N rounds
n=$1; th=$2
J=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
cp=/tmp/wt20-base/target/liftnet.jar:.
for i in $(seq 1 $n); do
  nice java --add-modules jdk.incubator.vector -cp $cp StressShort probe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress4-probe
  LD_PRELOAD=$J nice java --add-modules jdk.incubator.vector -cp $cp StressShort probe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress4-jsig
done
echo done >> /tmp/wt20-stress4-jsig
