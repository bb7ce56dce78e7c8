#!/usr/bin/env bash
# Builds the engines and the JMH benchmarks, runs the standard benchmark set (on 2 cores about 4.5 minutes
# for the CPU engine, 2 more for OpenCL on PoCL) or a smoke version (--quick, about a minute), and writes
#   bench/results/<machine>-<date>[-quick].json   summary (machine, CPU, cores, JDK, engines) + JMH JSON
#   bench/results/<machine>-<date>[-quick].md     samples/s table and ratios
#   bench/results/<machine>-<date>[-quick].png    throughput against batch size
#
# Usage: scripts/bench.sh [--quick] [--engines cpu,opencl,cuda] [--cpu-threads N] [--no-build]
#   --cpu-threads N   run the CPU engine on N threads (default: all processors)
#
# Uses the Temurin 25 JDK in /usr/lib/jvm/temurin-25* when present (the Vector API is much faster there than
# on JDK 17), else $JAVA_HOME, else java on PATH. Engines without a device are recorded as absent.
# MNIST is read from data/mnist (scripts/fetch-data.sh mnist); without it, and for 1024-input nets without
# data/cifar10, the benchmarks use seeded synthetic inputs with 80% zeros.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
engines=cpu,opencl,cuda
build=1
threads=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --engines) engines="${2:?--engines needs a list, e.g. cpu,opencl}"; shift 2 ;;
    --engines=*) engines="${1#*=}"; shift ;;
    --cpu-threads) threads=(--cpu-threads "${2:?--cpu-threads needs a number}"); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

java_bin=""
for d in /usr/lib/jvm/temurin-25*; do
  if [[ -x "$d/bin/java" ]]; then java_bin="$d/bin/java"; break; fi
done
if [[ -z "$java_bin" && -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then java_bin="$JAVA_HOME/bin/java"; fi
if [[ -z "$java_bin" ]]; then java_bin="$(command -v java || true)"; fi
if [[ -z "$java_bin" ]]; then echo "bench.sh: no java found (install a JDK 17+)" >&2; exit 1; fi
echo "bench.sh: running with $("$java_bin" -version 2>&1 | head -1) ($java_bin)"

if [[ $build == 1 ]]; then
  echo "bench.sh: building liftnet and the benchmarks (mvn -f bench/reactor.xml package)"
  # one reactor: the benchmarks link against this checkout's classes, never a stale liftnet jar in ~/.m2
  mvn -q -B -f bench/reactor.xml -DskipTests package
fi
jar=bench/target/benchmarks.jar
[[ -f $jar ]] || { echo "bench.sh: $jar missing; run without --no-build" >&2; exit 1; }

machine="$(hostname 2>/dev/null || uname -n)"
exec "$java_bin" --add-modules jdk.incubator.vector -Djava.awt.headless=true -Xmx2g \
  -Dliftnet.data=data -cp "$jar" liftnet.bench.StandardSet \
  "${quick[@]}" "${threads[@]}" --engines "$engines" --out bench/results --machine "$machine"
