#!/usr/bin/env bash
# Does a JDK 25 AOT cache (JEP 483/514/515: -XX:AOTCacheOutput, -XX:AOTCache) shorten the first epoch?
# Makes a cache with one short training run, then trains one epoch on the first LIMIT MNIST samples without and
# with it, in PAIRS interleaved pairs (the order alternates), and prints per run the epoch-1 seconds and the
# process's wall and CPU (user + sys) seconds. Compare within pairs: this VM's speed drifts.
#
# usage: scripts/aot-pairs.sh [PAIRS] [LIMIT]   (defaults 6 and 2000; needs target/liftnet.jar, data/mnist, JDK 25)
# Environment: LIFTNET_JAVA (a JDK 25+ java; default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pairs="${1:-6}"
limit="${2:-2000}"
java="${LIFTNET_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
work="$(mktemp -d "${TMPDIR:-/tmp}/liftnet-aot.XXXXXX")"
cp "$root/target/liftnet.jar" "$work/liftnet.jar" # the cache is tied to this exact jar
jvm=(--add-modules jdk.incubator.vector -XX:+UseParallelGC -Dliftnet.home="$root" --enable-native-access=ALL-UNNAMED
     --sun-misc-unsafe-memory-access=allow)
run=(-jar "$work/liftnet.jar" --device cpu --epochs 1)

"$java" "${jvm[@]}" -XX:AOTCacheOutput="$work/liftnet.aot" "${run[@]}" --limit 5000 --out "$work/training" >"$work/training.log" 2>&1
echo "cache: $(stat -c %s "$work/liftnet.aot") bytes, from a training run of 1 epoch on 5000 samples; JDK $("$java" -version 2>&1 | head -n 1)"

one() { # NAME [JVM OPTIONS...]
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/$name.time" "$java" "${jvm[@]}" "$@" "${run[@]}" --limit "$limit" \
      --out "$work/$name" >"$work/$name.log" 2>&1
  python3 - "$work" "$name" <<'PY'
import json, sys
work, name = sys.argv[1], sys.argv[2]
epoch = json.loads(open(f"{work}/{name}/metrics.jsonl").readline())["seconds"]
wall, user, system = map(float, open(f"{work}/{name}.time").read().split()[-3:])
print(f"{name:10s} epoch1 {epoch:7.3f} s  process wall {wall:7.2f} s  cpu {user + system:7.2f} s", flush=True)
PY
}

for i in $(seq 1 "$pairs"); do
  if (( i % 2 )); then
    one "plain-$i"; one "aot-$i" -XX:AOTMode=on -XX:AOTCache="$work/liftnet.aot"
  else
    one "aot-$i" -XX:AOTMode=on -XX:AOTCache="$work/liftnet.aot"; one "plain-$i"
  fi
done
rm -rf "$work"
