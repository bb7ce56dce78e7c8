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
# The conv table of issue 27 instead: scripts/bench.sh --conv [--cpu-threads N] [--limit 5000] [--epochs 2]
#   [--sgemm-seconds 2] [--net 1x28x28-c16k5s2-c32k3s2-64-10] [--rounds 1]. In one session: numpy's float32 sgemm at 2048^2 and at
#   the net's GEMM shapes (bench/sgemm.py, on N threads, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it only;
#   where the environment sets them, also 2048^2 with them set, as numpy runs by default there);
#   ./run.sh train --device cpu --net NET --epochs E --limit L --seed 1 --threads N with --method backprop and
#   contrastive; bench/pytorch_conv_peer.py with the same settings; then bench/conv_table.py prints samples/s of the
#   last epoch, GFLOP/s and the fractions of sgemm (also written to bench/results/<machine>-<date>-conv.md).
#   N defaults to 2 here. Pythons: NUMPY_PYTHON (default: the first of python3, /usr/bin/python3 whose numpy loads
#   OpenBLAS), TORCH_PYTHON (default /usr/bin/python3). About 4 minutes on 2 cores with the defaults.
#   --rounds R repeats all of it R times, one table per round, then the medians over the rounds of the figures each
#   round measured together (fractions of that round's sgemm, liftnet / PyTorch of that round): this VM's speed
#   drifts by up to 2x between minutes, so a single table is one draw.
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
conv=0
limit=5000
epochs=2
sgemm_seconds=2
rounds=1
conv_net=1x28x28-c16k5s2-c32k3s2-64-10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --engines) engines="${2:?--engines needs a list, e.g. cpu,opencl}"; shift 2 ;;
    --engines=*) engines="${1#*=}"; shift ;;
    --cpu-threads) threads=(--cpu-threads "${2:?--cpu-threads needs a number}"); shift 2 ;;
    --no-build) build=0; shift ;;
    --conv) conv=1; shift ;;
    --limit) limit="${2:?--limit needs a number}"; shift 2 ;;
    --epochs) epochs="${2:?--epochs needs a number}"; shift 2 ;;
    --sgemm-seconds) sgemm_seconds="${2:?--sgemm-seconds needs a number}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    --net) conv_net="${2:?--net needs a net}"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

if [[ $conv == 1 ]]; then
  [[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "error: --rounds $rounds is not a positive whole number; give e.g. --rounds 3" >&2; exit 2; }
  n="${threads[1]:-2}"
  machine="$(hostname 2>/dev/null || uname -n)"
  work="$(mktemp -d "${TMPDIR:-/tmp}/liftnet-conv-bench.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  numpy_py="${NUMPY_PYTHON:-}"
  if [[ -z "$numpy_py" ]]; then
    for py in python3 /usr/bin/python3; do
      if "$py" bench/sgemm.py --seconds 0.01 8x8x8 2>/dev/null | grep -qi '^blas .*openblas'; then numpy_py="$py"; break; fi
    done
    [[ -n "$numpy_py" ]] || { numpy_py=python3; echo "bench.sh: no numpy with OpenBLAS found; sgemm of $numpy_py's BLAS" >&2; }
  fi
  torch_py="${TORCH_PYTHON:-/usr/bin/python3}"
  shapes=$(python3 bench/conv_table.py shapes "$conv_net" 50)
  mkdir -p bench/results
  out="bench/results/$machine-$(date +%Y-%m-%d)-conv.md"
  header="# Conv table ($machine, $(date -u +%Y-%m-%dT%H:%MZ), $n threads, MNIST first $limit, epoch $epochs of $epochs"
  [[ $rounds -gt 1 ]] && header+=", $rounds rounds"
  echo "$header)" > "$work/table.md"
  for ((round = 1; round <= rounds; round++)); do
    [[ $rounds -gt 1 ]] && echo "bench.sh: round $round of $rounds" >&2
    echo "bench.sh: numpy sgemm on $n threads ($numpy_py)" >&2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$n" \
      "$numpy_py" bench/sgemm.py --seconds "$sgemm_seconds" 2048x2048x2048 $shapes | tee "$work/sgemm.txt" >&2
    as_set=()
    if [[ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]]; then
      # the yardstick as numpy runs here by default (e.g. OPENBLAS_CORETYPE=Haswell: AVX2 kernels only), beside the above
      note="OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-}"
      echo "bench.sh: numpy sgemm as this environment sets it ($note)" >&2
      OPENBLAS_NUM_THREADS="$n" "$numpy_py" bench/sgemm.py --seconds "$sgemm_seconds" 2048x2048x2048 \
        | tee "$work/sgemm-env.txt" >&2
      as_set=(--sgemm-as-set "$work/sgemm-env.txt" --as-set-note "$note")
    fi
    declare -A rate
    for method in backprop contrastive; do
      echo "bench.sh: liftnet $method" >&2
      ./run.sh train --device cpu --net "$conv_net" --epochs "$epochs" --limit "$limit" --seed 1 --threads "$n" \
        --method "$method" --out "$work/run-$round-$method" 2>"$work/liftnet-$method.err" \
        | tee "$work/liftnet-$method.txt" >&2 || { cat "$work/liftnet-$method.err" >&2; exit 1; }
      rate[liftnet-$method]=$(sed -n "s|^epoch $epochs/$epochs .* \([0-9.]*\) samples/s.*|\1|p" "$work/liftnet-$method.txt")
      [[ -n "${rate[liftnet-$method]}" ]] || { echo "bench.sh: no epoch $epochs line from liftnet $method" >&2; exit 1; }
      echo "bench.sh: PyTorch $method ($torch_py)" >&2
      "$torch_py" bench/pytorch_conv_peer.py --method "$method" --net "$conv_net" --epochs "$epochs" --limit "$limit" \
        --threads "$n" --data data/mnist | tee "$work/torch-$method.txt" >&2
      rate[torch-$method]=$(sed -n 's|^result .*samples_per_s=\([0-9.]*\).*|\1|p' "$work/torch-$method.txt")
    done
    {
      echo
      [[ $rounds -gt 1 ]] && echo "## Round $round" && echo
      python3 bench/conv_table.py table --net "$conv_net" --batch 50 --sweeps 15 --sgemm "$work/sgemm.txt" \
        --liftnet-backprop "${rate[liftnet-backprop]}" --liftnet-contrastive "${rate[liftnet-contrastive]}" \
        --torch-backprop "${rate[torch-backprop]}" --torch-contrastive "${rate[torch-contrastive]}" "${as_set[@]}" \
        --json "$work/round-$round.json"
    } >> "$work/table.md"
  done
  if [[ $rounds -gt 1 ]]; then
    { echo; echo "## Summary"; echo; python3 bench/conv_table.py summary "$work"/round-*.json; } >> "$work/table.md"
  fi
  tee "$out" < "$work/table.md"
  echo "bench.sh: wrote $out" >&2
  exit 0
fi

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
