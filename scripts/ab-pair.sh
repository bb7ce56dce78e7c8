#!/usr/bin/env bash
# A/B of the CPU engine against a pinned baseline, in one JVM (liftnet.bench.AbPair): builds the baseline jar from
# BASELINE_COMMIT into target/baseline-COMMIT/liftnet.jar (once, in a temporary worktree, offline), builds this
# checkout's target/liftnet.jar and bench/target/benchmarks.jar, then runs the interleaved pairs: contrastive steps
# (15 Jacobi sweeps) of the dense net 784-64-64-64-10 at batch 50 and 1000 and of the conv net
# 1x28x28-c16k5s2-c32k3s2-64-10 at batch 50, on MNIST. Prints one line per pair and a markdown table: per-variant
# median samples/s, median of the paired ratios (current / baseline) with its 95% sign-test interval, and whether
# both builds ended with the same parameter bits. Run it on a quiet machine; about 2-3 minutes per row with the
# defaults (a warm-up of 2 x 1 s left the first dense50 pairs in the JIT's warm-up: 3,821 samples/s, later 70,000).
#
# usage: scripts/ab-pair.sh [--commit REV] [--no-build] [AbPair options: --pairs 10 --warmup 8 --seconds 3
#                           --threads N --rows dense50,dense1000,conv50]
# More rows: backprop50, backprop1000, backprop-conv50 (back-propagation steps of the same nets, same pairing).
# Environment: LIFTNET_JAVA (default: the Temurin 25 JDK in /usr/lib/jvm when present, else java on PATH).
set -euo pipefail
BASELINE_COMMIT=9705320

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rev="$BASELINE_COMMIT"
build=1
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --commit) rev="${2:?--commit needs a revision}"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
commit="$(git rev-parse --short=7 "$rev^{commit}")"
baseline="target/baseline-$commit/liftnet.jar"

if [[ ! -f "$baseline" ]]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/liftnet-baseline.XXXXXX")"
  trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  git worktree add --detach "$work/tree" "$commit" >/dev/null 2>&1
  echo "ab-pair: building the baseline $commit in $work/tree" >&2
  (cd "$work/tree" && mvn -B -o -q -f core.xml package -DskipTests -Dliftnet.skipPtx=true) >&2
  mkdir -p "$(dirname "$baseline")"
  cp "$work/tree/target/liftnet.jar" "$baseline"
  git worktree remove --force "$work/tree" >/dev/null 2>&1 || true
  rm -rf "$work"
  trap - EXIT
fi
if [[ $build -eq 1 ]]; then
  echo "ab-pair: building this checkout (target/liftnet.jar, bench/target/benchmarks.jar)" >&2
  mvn -B -o -q -f bench/reactor.xml -DskipTests -Dliftnet.skipPtx=true package >&2
fi

java="${LIFTNET_JAVA:-}"
if [[ -z "$java" ]]; then
  for j in /usr/lib/jvm/temurin-25*/bin/java; do [[ -x "$j" ]] && java="$j" && break; done
fi
java="${java:-java}"
exec "$java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx6g \
  -cp bench/target/benchmarks.jar liftnet.bench.AbPair --baseline "$baseline" --current target/liftnet.jar "${args[@]}" \
  2> >(grep -v "^WARNING: Using incubator modules" >&2)
