#!/usr/bin/env bash
# liftnet launcher: ./run.sh [train|evaluate|energy|score|filters|report|sweep|gradients] [options]   (train is the default; --help lists all)
#
# 1. Builds target/liftnet.jar with Maven (core.xml, the core alone) when it is missing or older than core.xml,
#    src/ or kernels/.
# 2. Fetches a missing MNIST or Fashion-MNIST into data/<dataset> with scripts/fetch-data.sh, only for the
#    --dataset asked for (default mnist) and only when --data is not given. CIFAR-10 must be provided by the user.
# 3. Picks a JDK >= 17, the newest of $JAVA_HOME, /usr/lib/jvm/temurin-25*, and java on PATH, and runs the jar.
#
# Environment: LIFTNET_JAVA (a java binary to use), LIFTNET_JVM_OPTS (extra JVM options, e.g. -Xmx8g),
# LIFTNET_MVN_OPTS (extra Maven options, e.g. -o), LIFTNET_NO_FETCH=1 (never fetch data).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$root/target/liftnet.jar"

say() { echo "run.sh: $*" >&2; }

# ---- 1. build ---------------------------------------------------------------------------------------------
needs_build() {
  [[ -f "$jar" ]] || return 0
  [[ -n "$(find "$root/core.xml" "$root/src/main" "$root/kernels" -newer "$jar" -print -quit 2>/dev/null)" ]]
}

if needs_build; then
  command -v mvn >/dev/null || { say "error: target/liftnet.jar is missing or stale and Maven (mvn) is not installed; install Maven 3.8+ and a JDK 17+"; exit 1; }
  say "building target/liftnet.jar with Maven (once; a line every 10 s until it is done)..."
  log="$(mktemp "${TMPDIR:-/tmp}/liftnet-build.XXXXXX")"
  # shellcheck disable=SC2086
  (cd "$root" && mvn -B -q -f core.xml package -DskipTests ${LIFTNET_MVN_OPTS:-}) >"$log" 2>&1 &
  build=$!
  waited=0
  while kill -0 "$build" 2>/dev/null; do # a line every 10 s, so that a slow build does not look hung
    sleep 1
    waited=$((waited + 1))
    (( waited % 10 == 0 )) && say "still building (${waited} s)..."
  done
  if ! wait "$build"; then
    cat "$log" >&2
    rm -f "$log"
    say "error: the Maven build failed (log above); fix it or run: mvn -B -f core.xml package -DskipTests"
    exit 1
  fi
  rm -f "$log"
fi

# ---- 1b. the Spark module, only for a sweep with --spark ---------------------------------------------------------
spark=0
for a in "$@"; do
  [[ "$a" == --spark || "$a" == --spark=* ]] && spark=1
done
spark_jar="$root/spark/target/liftnet-spark.jar"
if [[ $spark -eq 1 ]] && { [[ ! -f "$spark_jar" ]] \
     || [[ -n "$(find "$root/spark/pom.xml" "$root/spark/src/main" "$jar" -newer "$spark_jar" -print -quit 2>/dev/null)" ]]; }; then
  say "building spark/target/liftnet-spark.jar and fetching Spark with Maven (once; takes a few minutes)..."
  log="$(mktemp "${TMPDIR:-/tmp}/liftnet-build.XXXXXX")"
  # shellcheck disable=SC2086
  if ! (cd "$root" && mvn -B -q -f spark/reactor.xml package -DskipTests ${LIFTNET_MVN_OPTS:-}) >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "error: the Maven build of spark/ failed (log above); fix it or run: mvn -B -f spark/reactor.xml package -DskipTests"
    exit 1
  fi
  rm -f "$log"
fi

# ---- 2. data ----------------------------------------------------------------------------------------------
# Looks at the arguments only to find the subcommand, --dataset and --data; Java parses them for real.
command="train"
dataset="mnist"
data_given=0
help=0
resume=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a="${args[$i]}"
  case "$a" in
    train|evaluate|energy|score|filters|report|sweep|gradients|help) [[ $i -eq 0 ]] && command="$a" ;;
    -h|--help|-V|--version) help=1 ;;
    --dataset) dataset="${args[$((i + 1))]:-}" ;;
    --dataset=*) dataset="${a#--dataset=}" ;;
    --data|--data=*) data_given=1 ;;
    --resume|--resume=*) resume=1 ;;
  esac
done

idx_present() { # DIR: all four IDX files, plain or gzipped
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [[ -f "$1/$f" || -f "$1/$f.gz" ]] || return 1
  done
}

if [[ $help -eq 0 && $resume -eq 0 && $data_given -eq 0 && "${LIFTNET_NO_FETCH:-0}" != 1 ]] \
   && [[ "$command" == train || "$command" == evaluate || "$command" == energy || "$command" == score || "$command" == sweep ]]; then
  case "$dataset" in
    mnist|fashion-mnist)
      if ! idx_present "$root/data/$dataset"; then
        say "$dataset is not in data/$dataset: fetching it with scripts/fetch-data.sh $dataset"
        "$root/scripts/fetch-data.sh" "$dataset" || { say "error: could not fetch $dataset (see above); pass --data DIR with its IDX files instead"; exit 1; }
      fi ;;
    cifar10)
      if [[ ! -f "$root/data/cifar10/data_batch_1.bin" && ! -f "$root/data/cifar10/cifar-10-batches-bin/data_batch_1.bin" ]]; then
        say "error: cifar10 is not in data/cifar10 and cannot be fetched automatically: download cifar-10-binary.tar.gz" \
            "from https://www.cs.toronto.edu/~kriz/cifar.html, unpack it into data/cifar10 (tar -xzf cifar-10-binary.tar.gz -C data/cifar10)," \
            "or pass --data DIR"
        exit 1
      fi ;;
    *) ;; # unknown names: Java reports them with the list of valid ones
  esac
fi

# ---- 3. JDK -----------------------------------------------------------------------------------------------
java_major() { # JAVA -> major version, or 0
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -n 1)"
  [[ "$v" == 1 ]] && v=8
  echo "${v:-0}"
}

java_bin=""
best=0
candidates=()
[[ -n "${LIFTNET_JAVA:-}" ]] && candidates+=("$LIFTNET_JAVA")
if [[ -z "${LIFTNET_JAVA:-}" ]]; then
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  for d in /usr/lib/jvm/temurin-25*; do
    [[ -x "$d/bin/java" ]] && candidates+=("$d/bin/java")
  done
  command -v java >/dev/null && candidates+=("$(command -v java)")
fi
for c in "${candidates[@]}"; do
  [[ -x "$c" ]] || continue
  m="$(java_major "$c")"
  # Spark 4.0 runs on Java 17 and 21 only (Hadoop's login calls Subject.getSubject, which fails on 23+).
  [[ $spark -eq 1 && "$m" -gt 21 ]] && continue
  if [[ "$m" -ge 17 && "$m" -gt "$best" ]]; then
    best="$m"
    java_bin="$c"
  fi
done
if [[ -z "$java_bin" ]]; then
  say "error: no Java 17 or newer$([[ $spark -eq 1 ]] && echo ", and at most 21 for Spark,") found (looked at \$JAVA_HOME, /usr/lib/jvm/temurin-25*, java on PATH); install a JDK 17+ or set JAVA_HOME"
  exit 1
fi

# The JDK's signal-chaining library first: PoCL's LLVM, which --device auto and OpenCL load, replaces the JVM's
# SIGSEGV/SIGBUS/SIGILL handlers with its own one-shot (SA_RESETHAND) ones; two threads faulting at once (both hitting
# a safepoint poll) then meet the default action and the JVM dies with exit 139 and no hs_err file. With libjsig the
# JVM keeps its handlers and chains LLVM's (docs/sweeps.md, "The driver's SIGSEGV").
jsig="$(dirname "$(dirname "$(readlink -f "$java_bin")")")/lib/libjsig.so"
[[ -f "$jsig" ]] && export LD_PRELOAD="$jsig${LD_PRELOAD:+:$LD_PRELOAD}"

jvm=(--add-modules jdk.incubator.vector -XX:+UseParallelGC -Dliftnet.home="$root")
[[ "$best" -ge 22 ]] && jvm+=(--enable-native-access=ALL-UNNAMED)
# LWJGL reads fields through sun.misc.Unsafe; JDK 23+ warns about it on every run unless allowed.
[[ "$best" -ge 23 ]] && jvm+=(--sun-misc-unsafe-memory-access=allow)
# shellcheck disable=SC2206
[[ -n "${LIFTNET_JVM_OPTS:-}" ]] && jvm+=(${LIFTNET_JVM_OPTS})

# The JVM's first stderr line is "WARNING: Using incubator modules: jdk.incubator.vector": drop it, pass the rest
# through unbuffered (the progress bar redraws one line). The filter ignores Ctrl-C so that it outlives the JVM's
# last words ("stopped after epoch N; resume with ...").
filter_warning() {
  trap '' INT
  local first
  if IFS= read -r first; then
    [[ "$first" == "WARNING: Using incubator modules"* ]] || printf '%s\n' "$first"
    exec cat
  fi
}

# With --spark: Spark's jars and the add-opens flags Spark needs on JDK 17+ (spark/jvm.options).
launch=(-jar "$jar")
if [[ $spark -eq 1 ]]; then
  jvm+=("@$root/spark/jvm.options")
  launch=(-cp "$jar:$spark_jar:$root/spark/target/lib/*" liftnet.cli.Main)
fi

exec 3> >(filter_warning >&2)
filter=$!
set +e
if env --default-signal=INT true 2>/dev/null; then
  # The JVM runs in the background so that a SIGTERM sent to run.sh (kill, timeout, a batch system's limit) is passed
  # on to it, and it prints the resume line: bash runs no trap while it waits for a foreground command. env restores
  # SIGINT, which bash ignores in background commands, so Ctrl-C still reaches the JVM; <&0 keeps the terminal as stdin.
  trap '' INT
  trap 'kill -TERM "$java_pid" 2>/dev/null' TERM HUP
  env --default-signal=INT "$java_bin" "${jvm[@]}" "${launch[@]}" "$@" <&0 2>&3 &
  java_pid=$!
  while :; do
    wait "$java_pid"
    status=$?
    kill -0 "$java_pid" 2>/dev/null || break # else a trap interrupted the wait: the JVM is still stopping
  done
else
  "$java_bin" "${jvm[@]}" "${launch[@]}" "$@" 2>&3
  status=$?
fi
set -e
exec 3>&-
wait "$filter" 2>/dev/null || true # let the filter write the JVM's last words first
exit "$status"
