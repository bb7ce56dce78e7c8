#!/usr/bin/env bash
# A Spark standalone cluster on this machine, for trying sweep --spark spark://... (and its faults) without a real one.
#
#   scripts/spark-cluster.sh start --workers N --dir DIR [--cores C] [--memory M]
#       A master and N workers on 127.0.0.1, run from the Spark jars the spark/ module resolves (spark/target/lib; built
#       with `mvn -B -q -f spark/reactor.xml -DskipTests package` when missing). Logs, pid files and each worker's
#       folders go under DIR (DIR/master.log, DIR/master.pid, DIR/worker-K/{worker.log,worker.pid,work,local}).
#       Prints the master URL, spark://127.0.0.1:PORT, as its last line.
#   scripts/spark-cluster.sh kill-worker K --dir DIR
#       SIGKILL worker K (1-based) and the executor JVMs it started: a machine lost mid-sweep.
#   scripts/spark-cluster.sh stop --dir DIR
#       Ends every process start launched (the master, the workers and their executors), by pid.
#
# Every process binds to 127.0.0.1 only (SPARK_LOCAL_IP). Each worker has its own local folder (SPARK_LOCAL_DIRS),
# so a sweep's tasks train in a scratch folder that is not the driver's. Java: LIFTNET_JAVA, else the newest JDK
# 17-21 among $JAVA_HOME, /usr/lib/jvm/* and java on PATH (Spark 4.0 runs on Java 17 and 21).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lib="$root/spark/target/lib"

say() { echo "spark-cluster.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }
usage() { # EXIT-STATUS: the header comment, whole; on stdout for --help (status 0), on stderr after an error
  local text
  text="$(sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//')"
  if [[ "$1" -eq 0 ]]; then echo "$text"; else echo "$text" >&2; fi
  exit "$1"
}

java_major() { # JAVA -> major version, or 0
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -n 1)"
  [[ "$v" == 1 ]] && v=8
  echo "${v:-0}"
}

find_java() {
  if [[ -n "${LIFTNET_JAVA:-}" ]]; then
    echo "$LIFTNET_JAVA"
    return
  fi
  local c m best=0 found=""
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  for c in /usr/lib/jvm/*/bin/java; do candidates+=("$c"); done
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for c in "${candidates[@]}"; do
    [[ -x "$c" ]] || continue
    m="$(java_major "$c")"
    if [[ "$m" -ge 17 && "$m" -le 21 && "$m" -gt "$best" ]]; then
      best="$m"
      found="$c"
    fi
  done
  [[ -n "$found" ]] || die "no Java 17-21 found (Spark 4.0 needs one; looked at \$JAVA_HOME, /usr/lib/jvm/*, java on PATH); install one or set LIFTNET_JAVA"
  echo "$found"
}

# A folder that looks like a Spark installation to the worker's executor launcher: SPARK_HOME/jars, the module's jars.
spark_home() { # DIR
  local home="$1/spark-home"
  mkdir -p "$home"
  ln -sfn "$lib" "$home/jars"
  echo "$home"
}

descendants() { # PID -> the pids of its children, grandchildren, ...
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

wait_for_line() { # FILE PATTERN PID SECONDS -> the first matching line, or fails when PID died or time ran out
  local file="$1" pattern="$2" pid="$3" left=$(( $4 * 10 )) line
  while (( left > 0 )); do
    line="$(grep -m 1 -E "$pattern" "$file" 2>/dev/null || true)"
    [[ -n "$line" ]] && { echo "$line"; return 0; }
    alive "$pid" || return 1
    sleep 0.1
    left=$((left - 1))
  done
  return 1
}

start() {
  local workers=0 dir="" cores=1 memory=2g
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --workers) workers="${2:-}"; shift 2 ;;
      --dir) dir="${2:-}"; shift 2 ;;
      --cores) cores="${2:-}"; shift 2 ;;
      --memory) memory="${2:-}"; shift 2 ;;
      *) die "start: unknown option $1; expected --workers N --dir DIR [--cores C] [--memory M]" ;;
    esac
  done
  [[ -n "$dir" ]] || die "start: --dir DIR is missing; e.g. start --workers 2 --dir /tmp/spark-cluster"
  [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "start: --workers $workers is not a positive number; e.g. --workers 2"
  [[ "$cores" =~ ^[1-9][0-9]*$ ]] || die "start: --cores $cores is not a positive number; e.g. --cores 1"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [[ -f "$dir/master.pid" ]] && alive "$(cat "$dir/master.pid")"; then
    die "start: $dir already holds a running cluster (master pid $(cat "$dir/master.pid")); stop it first: $0 stop --dir $dir"
  fi
  if [[ ! -d "$lib" ]]; then
    say "building the spark/ module to get Spark's jars (once; takes a few minutes)..."
    (cd "$root" && mvn -B -q -f spark/reactor.xml -DskipTests package) >&2 || die "the Maven build of spark/ failed; run: mvn -B -f spark/reactor.xml package -DskipTests"
  fi
  local java home
  java="$(find_java)"
  home="$(spark_home "$dir")"
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13
  # Executors inherit the workers' environment: the JDK's signal-chaining library, as run.sh preloads it (PoCL's LLVM
  # would otherwise replace the JVM's SIGSEGV handler in an executor that probes OpenCL).
  local jsig
  jsig="$(dirname "$(dirname "$(readlink -f "$java")")")/lib/libjsig.so"
  [[ -f "$jsig" ]] && export LD_PRELOAD="$jsig${LD_PRELOAD:+:$LD_PRELOAD}"
  local jvm=("@$root/spark/jvm.options" -Xmx512m -cp "$lib/*")

  rm -f "$dir/master.log"
  "$java" "${jvm[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 \
    >"$dir/master.log" 2>&1 </dev/null &
  local master=$!
  echo "$master" >"$dir/master.pid"
  local line url
  line="$(wait_for_line "$dir/master.log" 'Starting Spark master at spark://' "$master" 120)" \
    || { tail -n 20 "$dir/master.log" >&2; stop_dir "$dir"; die "the master did not start (log above, $dir/master.log)"; }
  url="$(sed -n 's/.*Starting Spark master at \(spark:\/\/[^ ]*\).*/\1/p' <<<"$line")"
  say "master $url (pid $master, log $dir/master.log)"

  local k pid
  for ((k = 1; k <= workers; k++)); do
    local w="$dir/worker-$k"
    mkdir -p "$w/work" "$w/local"
    rm -f "$w/worker.log"
    SPARK_LOCAL_DIRS="$w/local" "$java" "${jvm[@]}" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 \
      --webui-port 0 --cores "$cores" --memory "$memory" --work-dir "$w/work" "$url" >"$w/worker.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$w/worker.pid"
  done
  for ((k = 1; k <= workers; k++)); do
    local w="$dir/worker-$k"
    wait_for_line "$w/worker.log" 'Successfully registered with master' "$(cat "$w/worker.pid")" 120 >/dev/null \
      || { tail -n 20 "$w/worker.log" >&2; stop_dir "$dir"; die "worker $k did not register with the master (log above, $w/worker.log)"; }
    say "worker $k: $cores core(s), $memory (pid $(cat "$w/worker.pid"), log $w/worker.log, local folder $w/local)"
  done
  echo "$url"
}

kill_worker() {
  local k="${1:-}" dir=""
  shift || true
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 ;;
      *) die "kill-worker: unknown option $1; expected kill-worker K --dir DIR" ;;
    esac
  done
  [[ "$k" =~ ^[1-9][0-9]*$ ]] || die "kill-worker: worker '$k' is not a number; e.g. kill-worker 1 --dir DIR"
  [[ -n "$dir" ]] || die "kill-worker: --dir DIR is missing"
  local file="$dir/worker-$k/worker.pid"
  [[ -f "$file" ]] || die "kill-worker: $file does not exist; is $dir a cluster started by $0 start with at least $k workers?"
  local pid
  pid="$(cat "$file")"
  alive "$pid" || die "kill-worker: worker $k (pid $pid) is not running"
  local executors
  executors="$(descendants "$pid" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -KILL "$pid" $executors 2>/dev/null || true
  say "killed worker $k (pid $pid) and its executors (pids: ${executors:-none}) with SIGKILL"
}

stop_dir() { # DIR: SIGTERM to every recorded process and its descendants, SIGKILL after 10 s
  local dir="$1" file pid pids=()
  for file in "$dir"/worker-*/worker.pid "$dir/master.pid"; do
    [[ -f "$file" ]] || continue
    pid="$(cat "$file")"
    if alive "$pid"; then
      pids+=("$pid")
      # shellcheck disable=SC2207
      pids+=($(descendants "$pid"))
    fi
    rm -f "$file"
  done
  [[ ${#pids[@]} -gt 0 ]] || { say "nothing running under $dir"; return 0; }
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local t
  for ((t = 0; t < 100; t++)); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [[ $left -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  say "stopped ${#pids[@]} processes (${pids[*]})"
}

stop() {
  local dir=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 ;;
      *) die "stop: unknown option $1; expected stop --dir DIR" ;;
    esac
  done
  [[ -n "$dir" ]] || die "stop: --dir DIR is missing"
  [[ -d "$dir" ]] || die "stop: $dir does not exist"
  stop_dir "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  kill-worker) shift; kill_worker "$@" ;;
  stop) shift; stop "$@" ;;
  -h|--help|help) usage 0 ;;
  *) say "error: unknown command '${1:-}'; expected start, kill-worker or stop"; usage 2 ;;
esac
