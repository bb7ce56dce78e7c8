#!/usr/bin/env bash
# interleaved: probe without jsig, probe with jsig, no probe; N rounds
n=$1; th=$2
J=/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsig.so
cp=/tmp/wt20-base/target/liftnet.jar:.
for i in $(seq 1 $n); do
  nice java --add-modules jdk.incubator.vector -cp $cp Stress probe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress2-probe
  LD_PRELOAD=$J nice java --add-modules jdk.incubator.vector -cp $cp Stress probe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress2-jsig
  nice java --add-modules jdk.incubator.vector -cp $cp Stress noprobe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress2-noprobe
  nice java -Xrs --add-modules jdk.incubator.vector -cp $cp Stress probe $th >/dev/null 2>&1; echo -n "$? " >> /tmp/wt20-stress2-xrs
done
echo done >> /tmp/wt20-stress2-probe
