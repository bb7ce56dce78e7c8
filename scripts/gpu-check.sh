#!/usr/bin/env bash
# liftnet GPU check: on a machine with an NVIDIA GPU, proves the CUDA (and, where present, NVIDIA's OpenCL) engine
# works and measures it against the CPU engine of the same machine, or says exactly why it cannot. Runs inside a
# bundle made by scripts/gpu-bundle.sh (no Java needed: the bundle brings its runtime), or from the project root
# with a JDK 17+ after `mvn -B -f core.xml package -DskipTests`.
#
#   1. machine: nvidia-smi, CPU, and the devices the engines see (liftnet.cuda.CudaRuntime, liftnet.opencl.OclRuntime);
#               a GPU that nvidia-smi lists but CUDA cannot use is a FAIL naming the CUresult or the library
#   2. tests:   the JUnit tests of liftnet.cuda (contract, parity with the CPU engine, PTX) and of liftnet.opencl; a
#               failed test class runs again with -Dliftnet.gpu.syncLaunches=true, which names the faulting kernel
#   3. speed:   contrastive training steps (liftnet.check.Throughput), samples/s: 784-64-64-64-10 and 1024-512-512-10
#               at batch 50 and 1000 on every GPU engine and the CPU engine on all processors, and the CPU engine on
#               1, 2, 4, 8 threads for 784-64-64-64-10 at batch 50 and 1024-512-512-10 at batch 1000
#   4. train:   one MNIST epoch (paper settings) with --device cuda, opencl and cpu: samples/s and test accuracy
#   5. variants: the GPU engine's timing-dependent switches (scripts/gpu-variants.sh: fused_step, per-phase steps,
#               fused_solve, no graph replay, tiled GEMMs) with --profile, and the PyTorch peer (scripts/gpu-peer.sh)
#               where python3 imports torch; run last, so a short budget cuts them first
#   6. results: gpu-check-<host>-<date>.{txt,json}, rewritten as each step ends, in --out DIR with the logs (without
#               --out: in bench/results/); with --results DIR a copy of them there too; the JMH quick set with --jmh
#
# Every step has a time limit within --budget and a failed step does not stop the others; a summary ends the
# output. Steps: PASS, FAIL, TIMEOUT (cut at its limit), NOT-RUN (no time left in the budget), SKIP (no such device;
# the only status that is not a failure). On TERM or INT the script ends the JVMs it started, writes the summary
# (the running step INTERRUPTED) and exits 143 or 130. Exit status: 0 when every step passed or was skipped for want
# of a device, 1 otherwise, 2 for a usage error.
#
# Usage: gpu-check.sh [--out DIR] [--allow-cpu-opencl] [--budget SECONDS] [--quick] [--jmh] [--cpu-threads LIST]
#                     [--no-tests] [--no-train] [--no-speed] [--java JAVA] [--cp CLASSPATH] [--results DIR] [--ptx MODE]
#   --out DIR            results and logs go to DIR, and nowhere else, as each step ends (e.g. $OUT of the device
#                        tool); without --out the results go to bench/results/ and the logs to a temporary folder
#   --allow-cpu-opencl   run the OpenCL steps on any OpenCL device (PoCL on the CPU, for a dry run); by default
#                        they run only on an NVIDIA OpenCL GPU
#   --budget SECONDS     time for the whole check (default 480: every step fits in 8 minutes on an H200 machine); a step that
#                        would not get its minimum is NOT-RUN; a larger budget also lengthens each step's limit
#   --quick              shorter measurements (0.5 s warm-up, 1 s per case instead of 1.5 s and 3 s), 10,000 training
#                        samples instead of 60,000
#   --cpu-threads LIST   CPU thread counts measured besides all processors (default 1,2,4,8; those below nproc)
#   --jmh                also run the JMH quick set (lib/benchmarks.jar or bench/target/benchmarks.jar) if present
#   --java JAVA          the java binary to use (default: the bundle's runtime; in a checkout the newest JDK found)
#   --cp CLASSPATH       in a checkout: the class path holding liftnet and its tests (default target/liftnet.jar and
#                        target/test-classes)
#   --results DIR        also write the results files into DIR (e.g. --results bench/results, to commit them)
#   --ptx MODE           which PTX the CUDA engine loads (-Dliftnet.cuda.ptx): auto (default: the native flavour,
#                        the ISA 7.8 one where the driver refuses it), native or compat
# Environment: LIFTNET_CUDA_LIBRARY (the CUDA driver library to load, default libcuda.so.1).
set -uo pipefail

start_time=$SECONDS
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

out_dir=""
allow_cpu_ocl=0
default_budget=480
budget=$default_budget
quick=0
jmh=0
do_tests=1
do_train=1
do_speed=1
java_bin=""
class_path=""
results_dir=""
ptx_mode=auto
cpu_threads="1,2,4,8"
usage() { echo "gpu-check: $* (try --help)" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out_dir="${2:?--out needs a folder}"; shift 2 ;;
    --out=*) out_dir="${1#*=}"; shift ;;
    --allow-cpu-opencl) allow_cpu_ocl=1; shift ;;
    --budget) budget="${2:?--budget needs seconds}"; shift 2 ;;
    --budget=*) budget="${1#*=}"; shift ;;
    --quick) quick=1; shift ;;
    --jmh) jmh=1; shift ;;
    --cpu-threads) cpu_threads="${2:?--cpu-threads needs a list}"; shift 2 ;;
    --cpu-threads=*) cpu_threads="${1#*=}"; shift ;;
    --no-tests) do_tests=0; shift ;;
    --no-train) do_train=0; shift ;;
    --no-speed) do_speed=0; shift ;;
    --java) java_bin="${2:?--java needs a path}"; shift 2 ;;
    --cp) class_path="${2:?--cp needs a class path}"; shift 2 ;;
    --results) results_dir="${2:?--results needs a folder}"; shift 2 ;;
    --ptx) ptx_mode="${2:?--ptx needs auto, native or compat}"; shift 2 ;;
    --ptx=*) ptx_mode="${1#*=}"; shift ;;
    -h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option $1" ;;
  esac
done
[[ "$budget" =~ ^[0-9]+$ ]] || usage "--budget takes whole seconds, found '$budget'"
[[ "$ptx_mode" =~ ^(auto|native|compat)$ ]] || usage "--ptx takes auto, native or compat, found '$ptx_mode'"
[[ "$cpu_threads" =~ ^[0-9]+(,[0-9]+)*$ ]] || usage "--cpu-threads takes a list such as 1,2,4,8, found '$cpu_threads'"

# ---- layout: bundle or checkout -------------------------------------------------------------------------------
if [[ -f "$here/lib/liftnet.jar" ]]; then
  mode=bundle
  base="$here"
  app_cp="$here/lib/liftnet.jar"
  test_cp="$here/lib/liftnet-tests.jar"
  launcher="$(ls "$here"/lib/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)"
  bench_jar="$here/lib/benchmarks.jar"
else
  mode=checkout
  base="$(cd "$here/.." && pwd)"
  app_cp="$base/target/liftnet.jar"
  test_cp="$base/target/test-classes"
  junit="$(sed -n 's:.*<junit.version>\([^<]*\)</junit.version>.*:\1:p' "$base/core.xml" 2>/dev/null | head -n 1)"
  case "$junit" in 5.*) platform="1.${junit#5.}" ;; *) platform="$junit" ;; esac
  launcher="${MAVEN_REPO:-$HOME/.m2/repository}/org/junit/platform/junit-platform-console-standalone/$platform/junit-platform-console-standalone-$platform.jar"
  bench_jar="$base/bench/target/benchmarks.jar"
fi
if [[ -n "$class_path" ]]; then app_cp="$class_path"; test_cp="$class_path"; fi
cd "$base" || exit 1
data_dir="$base/data/mnist"
[[ -n "$out_dir" ]] && { mkdir -p "$out_dir" || usage "cannot create --out $out_dir"; out_dir="$(cd "$out_dir" && pwd)"; }
# The results files go to results_dir; with both --out and --results they are mirrored into out_dir as well.
if [[ -z "$results_dir" ]]; then results_dir="${out_dir:-$base/bench/results}"; fi
mkdir -p "$results_dir" || usage "cannot create $results_dir"
results_dir="$(cd "$results_dir" && pwd)"
mirror_dir=""
[[ -n "$out_dir" && "$out_dir" != "$results_dir" ]] && mirror_dir="$out_dir"

# Scratch (the unpacked runtime, LWJGL's natives, the CUDA JIT cache) under the bundle's own folder where it is
# writable: /tmp may be mounted noexec. Else under $TMPDIR. In a checkout: under target/, with the build.
scratch="$base/.gpu-check"
[[ $mode == checkout ]] && scratch="$base/target/gpu-check-scratch"
mkdir -p "$scratch" 2>/dev/null && [[ -w "$scratch" ]] || scratch="${TMPDIR:-/tmp}/liftnet-gpu-check-$(id -u)"
mkdir -p "$scratch"
work="$(mktemp -d "$scratch/run.XXXXXX")"

host="$(uname -n 2>/dev/null | tr -c 'A-Za-z0-9._\n-' '_' | cut -c1-40)"
host="${host:-host}"
stem="gpu-check-$host-$(date +%Y-%m-%d)"
n=2
while [[ -e "$results_dir/$stem.txt" || -e "$results_dir/$stem.json" ]]; do
  stem="gpu-check-$host-$(date +%Y-%m-%d)-$n"; n=$((n + 1))
done
txt="$results_dir/$stem.txt"
json="$results_dir/$stem.json"
if [[ -n "$out_dir" ]]; then logs="$out_dir/gpu-check-logs"; else logs="$work/logs"; fi
mkdir -p "$logs"
: > "$txt"
[[ -n "$mirror_dir" ]] && : > "$mirror_dir/$stem.txt"
: > "$work/started"   # results newer than this one are this run's (the JMH files)

say() {
  printf '%s\n' "$*" >> "$txt"
  [[ -n "$mirror_dir" ]] && printf '%s\n' "$*" >> "$mirror_dir/$stem.txt"
  printf '%s\n' "$*"
}
section() { say ""; say "== $* =="; }
elapsed() { echo $((SECONDS - start_time)); }
left() { echo $((budget - (SECONDS - start_time))); }

# step bookkeeping: name, status (PASS FAIL SKIP TIMEOUT NOT-RUN INTERRUPTED), seconds, detail
step_names=(); step_status=(); step_secs=(); step_detail=()
current_step=""; current_t0=0
record() {
  step_names+=("$1"); step_status+=("$2"); step_secs+=("$3"); step_detail+=("$4")
  current_step=""
  say "-> $1: $2${4:+ ($4)}"
  write_json
}
is_failure() { [[ "$1" != PASS && "$1" != SKIP ]]; }

# ---- child processes: one at a time, in the background so that TERM and INT reach the trap at once --------------
child=""
# run_child SECONDS LOG CMD... : CMD with at most SECONDS, output to LOG; returns CMD's status (124 on timeout).
run_child() {
  local t="$1" log="$2"; shift 2
  timeout -k 10 "$t" "$@" > "$log" 2>&1 &
  child=$!
  wait "$child"
  local rc=$?
  child=""
  return "$rc"
}
# run_step NAME WANT MIN LOG CMD... : CMD with at most WANT seconds (scaled up with a budget above the default) or
# what the budget leaves, less a 20 s reserve for the summary; returns 200 without running it when fewer than MIN
# seconds are left.
run_step() {
  local name="$1" want="$2" min="$3" log="$4"; shift 4
  (( budget > default_budget )) && want=$((want * budget / default_budget))   # a larger budget: a slower machine
  local t; t="$(left)"; t=$((t - 20))
  (( t > want )) && t="$want"
  if (( t < min )); then
    echo "not run: $t s left of the budget, the step needs at least $min s" > "$log"
    return 200
  fi
  current_step="$name"; current_t0=$SECONDS
  run_child "$t" "$log" "$@"
}
# ends the running child: TERM to timeout (which passes it on to the JVM), then KILL to timeout's process group
end_child() {
  [[ -n "$child" ]] || return 0
  kill -TERM "$child" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$child" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$child" 2>/dev/null
  kill -KILL "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  child=""
}
on_signal() {
  local sig="$1" code="$2"
  trap '' TERM INT
  end_child
  [[ -n "$current_step" ]] && record "$current_step" INTERRUPTED $((SECONDS - current_t0)) "ended by SIG$sig after $((SECONDS - current_t0)) s"
  say ""
  say "gpu-check: SIG$sig after $(elapsed) s: the child JVMs are ended; what was measured is kept"
  summary
  exit "$code"
}
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT
trap 'end_child; rm -rf "$work"' EXIT

json_str() { # TEXT -> a JSON string
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\t'/\\t}"; s="${s//$'\r'/}"
  s="$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037')"
  printf '"%s"' "$s"
}
json_lines() { # FILE -> a JSON array of its non-empty lines
  local first=1 line
  printf '['
  if [[ -r "$1" ]]; then
    while IFS= read -r line; do
      [[ -z "$line" ]] && continue
      (( first )) || printf ', '
      first=0
      json_str "$line"
    done < "$1"
  fi
  printf ']'
}
json_num() { [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] && printf '%s' "$1" || printf 'null'; }

summary() { :; }   # both replaced below; a signal before that point has nothing to summarise
write_json() { :; }
say "liftnet gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $host ($mode: $base), budget ${budget} s"
[[ -f "$base/BUNDLE.txt" ]] && say "$(head -n 3 "$base/BUNDLE.txt" | tail -n 2)"

# ---- Java -----------------------------------------------------------------------------------------------------
java_major() {
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -n 1)"
  echo "${v:-0}"
}
if [[ -z "$java_bin" && $mode == bundle ]]; then
  for dir in "$base/runtime" "$scratch/runtime"; do
    [[ -x "$dir/bin/java" ]] && "$dir/bin/java" -version >/dev/null 2>&1 && { java_bin="$dir/bin/java"; break; }
  done
  if [[ -z "$java_bin" && -f "$base/runtime.tar.gz" ]]; then
    for dir in "$base" "$scratch"; do   # the bundle's own folder first; /tmp may be noexec
      if tar -C "$dir" -xzf "$base/runtime.tar.gz" 2>"$work/runtime-unpack.log" && "$dir/runtime/bin/java" -version >/dev/null 2>&1; then
        java_bin="$dir/runtime/bin/java"; break
      fi
    done
    [[ -n "$java_bin" ]] || say "cannot unpack and start runtime.tar.gz: $(tail -n 1 "$work/runtime-unpack.log")"
  fi
fi
if [[ -z "$java_bin" ]]; then
  best=0
  for c in "${LIFTNET_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/temurin-25*/bin/java "$(command -v java 2>/dev/null)"; do
    [[ -n "$c" && -x "$c" ]] || continue
    m="$(java_major "$c")"
    if (( m >= 17 && m > best )); then best=$m; java_bin="$c"; fi
  done
fi
if [[ -z "$java_bin" || ! -x "$java_bin" ]]; then
  say "FAIL: no Java 17+ (the bundle's runtime.tar.gz, --java, \$JAVA_HOME or java on PATH); nothing can run"
  exit 1
fi
jmajor="$(java_major "$java_bin")"
java_desc="$("$java_bin" -version 2>&1 | grep -v '^WARNING' | sed -n 2p)"
say "java: $java_bin ($java_desc)"
[[ "$(uname -m)" == x86_64 ]] || say "warning: this is $(uname -m); the bundled LWJGL natives and runtime are for Linux x86_64"

# The CUDA driver caches JIT-compiled PTX here (the default, ~/.nv, may be missing or read-only)
export CUDA_CACHE_PATH="$scratch/cuda-cache"
mkdir -p "$CUDA_CACHE_PATH"
# UTF-8 output whatever the locale (the JUnit tree marks results with ✔ ✘ ■); crash files into the logs
jvm=(--add-modules jdk.incubator.vector -Djava.awt.headless=true -Dliftnet.home="$base"
     -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8
     -Dorg.lwjgl.system.SharedLibraryExtractPath="$scratch/lwjgl" -Dliftnet.cuda.ptx="$ptx_mode"
     "-XX:ErrorFile=$logs/hs_err_pid%p.log" -XX:-CreateCoredumpOnCrash)
[[ -n "${LIFTNET_CUDA_LIBRARY:-}" ]] && jvm+=(-Dorg.lwjgl.cuda.libname="$LIFTNET_CUDA_LIBRARY")
(( jmajor >= 22 )) && jvm+=(--enable-native-access=ALL-UNNAMED)
(( jmajor >= 24 )) && jvm+=(--sun-misc-unsafe-memory-access=allow)
strip_warnings() { grep -v -e '^WARNING: Using incubator modules' "$@"; }

# ---- results: the JSON, rewritten after every step, and the summary --------------------------------------------
declare -A tests_json train_json
speed_json="null"
cuda_why=""; ocl_why=""; cuda_ok=0; ocl_ok=0; ocl_device=""; cpu_model=""; cores=""; ptx_isa=""; driver_cuda=""
write_json() {
  local tmp="$json.tmp" i first k
  {
    printf '{\n'
    printf '  "host": %s,\n' "$(json_str "$host")"
    printf '  "date": %s,\n' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
    printf '  "mode": %s,\n' "$(json_str "$mode")"
    printf '  "budget_s": %s,\n' "$budget"
    printf '  "bundle": %s,\n' "$(json_lines <( [[ -f "$base/BUNDLE.txt" ]] && sed -n '1,8p' "$base/BUNDLE.txt"))"
    printf '  "kernel": %s,\n' "$(json_str "$(uname -srm)")"
    printf '  "cpu": %s,\n' "$(json_str "${cpu_model:-unknown}")"
    printf '  "processors": %s,\n' "$(json_num "$cores")"
    printf '  "java": %s,\n' "$(json_str "$java_desc")"
    printf '  "nvidia_smi": %s,\n' "$(json_lines "$logs/nvidia-smi.log")"
    printf '  "cuda_devices": %s,\n' "$(json_lines <(grep '^cuda:' "$work/cuda-devices.txt" 2>/dev/null))"
    printf '  "cuda_problem": %s,\n' "$( (( cuda_ok )) && echo null || json_str "$cuda_why")"
    printf '  "ptx": {"isa": %s, "driver_cuda": %s, "mode": "%s"},\n' "$(json_str "$ptx_isa")" "$(json_str "$driver_cuda")" "$ptx_mode"
    printf '  "opencl_devices": %s,\n' "$(json_lines <(grep '^opencl:' "$work/opencl-devices.txt" 2>/dev/null))"
    printf '  "opencl_device_used": %s,\n' "$( (( ocl_ok )) && json_str "$ocl_device" || echo null)"
    printf '  "opencl_problem": %s,\n' "$( (( ocl_ok )) && echo null || json_str "$ocl_why")"
    printf '  "steps": ['
    for i in "${!step_names[@]}"; do
      (( i > 0 )) && printf ','
      printf '\n    {"name": %s, "status": "%s", "seconds": %s, "detail": %s}' "$(json_str "${step_names[$i]}")" \
        "${step_status[$i]}" "$(json_num "${step_secs[$i]}")" "$(json_str "${step_detail[$i]}")"
    done
    printf '\n  ],\n'
    printf '  "tests": {'
    first=1; for k in cuda cuda-sync opencl opencl-sync; do [[ -n "${tests_json[$k]:-}" ]] || continue; (( first )) || printf ','; first=0; printf '\n    "%s": %s' "$k" "${tests_json[$k]}"; done
    printf '\n  },\n'
    printf '  "train_one_mnist_epoch": {'
    first=1; for k in cuda opencl cpu; do [[ -n "${train_json[$k]:-}" ]] || continue; (( first )) || printf ','; first=0; printf '\n    "%s": %s' "$k" "${train_json[$k]}"; done
    printf '\n  },\n'
    printf '  "throughput": %s,\n' "$speed_json"
    printf '  "failures": %d,\n' "$(count_failures)"
    printf '  "seconds": %d\n' "$(elapsed)"
    printf '}\n'
  } > "$tmp" && mv -f "$tmp" "$json"
  [[ -n "$mirror_dir" ]] && cp -f "$json" "$mirror_dir/$stem.json"
}
count_failures() {
  local i f=0
  for i in "${!step_status[@]}"; do is_failure "${step_status[$i]}" && f=$((f + 1)); done
  echo "$f"
}
summary() {
  local i f nr=0
  section "summary"
  for i in "${!step_names[@]}"; do
    say "$(printf '%-11s %-20s %4ss  %s' "${step_status[$i]}" "${step_names[$i]}" "${step_secs[$i]}" "${step_detail[$i]}")"
    [[ "${step_status[$i]}" == NOT-RUN || "${step_status[$i]}" == INTERRUPTED ]] && nr=$((nr + 1))
  done
  f="$(count_failures)"
  say "total $(elapsed) s of a ${budget} s budget; $f of ${#step_names[@]} steps not passed ($nr not done for want of time); results: $txt, $json"
  write_json
  if [[ -n "$mirror_dir" ]]; then
    local g
    for g in "$results_dir"/*.md "$results_dir"/*.png "$results_dir"/*.json; do   # JMH results of this run, if any
      [[ -f "$g" && "$g" != "$json" && "$g" -nt "$work/started" ]] && cp "$g" "$mirror_dir/"
    done
  fi
  [[ -n "$out_dir" ]] && say "results and logs in $out_dir"
}

# ---- 1. machine and devices -----------------------------------------------------------------------------------
section "machine"
say "kernel: $(uname -srm)"
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
cores="$(nproc 2>/dev/null || echo '?')"
mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)"
say "cpu: ${cpu_model:-unknown}, $cores processors, $mem"
: > "$logs/nvidia-smi.log"
gpus_listed=0
nvsmi_problem=""
if command -v nvidia-smi >/dev/null; then
  run_child 30 "$logs/nvidia-smi-list.log" nvidia-smi -L
  rc=$?
  gpus_listed="$(grep -c '^GPU [0-9]' "$logs/nvidia-smi-list.log")"
  if (( rc != 0 )); then
    nvsmi_problem="nvidia-smi -L exited with status $rc: $(grep -v '^ *$' "$logs/nvidia-smi-list.log" | head -n 1)"
  fi
  run_child 30 "$logs/nvidia-smi.log" nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,power.limit,clocks.max.sm --format=csv \
    || cp "$logs/nvidia-smi-list.log" "$logs/nvidia-smi.log"
  run_child 30 "$logs/nvidia-smi-full.log" nvidia-smi
  cuda_version="$(sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' "$logs/nvidia-smi-full.log" | head -n 1)"
  while IFS= read -r l; do say "nvidia-smi: $l"; done < "$logs/nvidia-smi.log"
  [[ -n "${cuda_version:-}" ]] && say "nvidia-smi: CUDA version $cuda_version"
else
  say "nvidia-smi: not installed"
fi

# CUDA devices
current_step="cuda probe"; current_t0=$SECONDS
run_child 60 "$logs/cuda-devices.log" "$java_bin" "${jvm[@]}" -cp "$app_cp" liftnet.cuda.CudaRuntime
rc=$?
current_step=""
probe_secs=$((SECONDS - current_t0))
strip_warnings "$logs/cuda-devices.log" > "$work/cuda-devices.txt"
while IFS= read -r l; do say "cuda: $l"; done < "$work/cuda-devices.txt"
if (( rc == 0 )) && grep -q '^cuda:' "$work/cuda-devices.txt"; then
  cuda_ok=1
else
  cuda_why="$(grep -m 1 '^no CUDA device' "$work/cuda-devices.txt" || true)"
  cuda_why="${cuda_why:-no CUDA device (the probe exited with status $rc: $(grep -v '^ *$' "$work/cuda-devices.txt" | tail -n 1))}"
fi
if [[ -n "$nvsmi_problem" ]]; then
  record "nvidia-smi" FAIL 0 "$nvsmi_problem"
fi
if (( cuda_ok )); then
  record "cuda probe" PASS "$probe_secs" "$(grep -c '^cuda:' "$work/cuda-devices.txt") device(s)"
elif (( gpus_listed > 0 )); then
  say "FAIL: nvidia-smi lists $gpus_listed GPU(s) but CUDA cannot use them: $cuda_why"
  record "cuda probe" FAIL "$probe_secs" "nvidia-smi lists $gpus_listed GPU(s); $cuda_why"
  cuda_why="the CUDA probe failed"
fi

driver_cuda="$(sed -n 's/.*(CUDA driver \([0-9][0-9.]*\).*/\1/p' "$work/cuda-devices.txt" | head -n 1)"
driver_cuda="${driver_cuda:-${cuda_version:-}}"
if [[ -f "$base/lib/ptx.txt" ]]; then
  ptx_isa="$(sed -n 's/^isa=//p' "$base/lib/ptx.txt")"
elif [[ -f "$base/target/classes/liftnet/ptx/gemm.ptx" ]]; then
  ptx_isa="$(sed -n 's/^\.version \([0-9.]*\)$/\1/p' "$base/target/classes/liftnet/ptx/gemm.ptx")"
fi
say "ptx: ${ptx_isa:+native ISA $ptx_isa, }compat ISA 7.8 in the jar; --ptx $ptx_mode; driver: CUDA ${driver_cuda:-none}"

# OpenCL: find a loader, keep only NVIDIA's ICD unless --allow-cpu-opencl, list the devices
ocl_opts=()
ocl_device="opencl"
ocl_on_cpu=0
ld_has() { ldconfig -p 2>/dev/null | grep -q "[[:space:]]$1[[:space:]]"; }
if ! ld_has libOpenCL.so.1; then
  for f in /usr/local/cuda*/lib64/libOpenCL.so.1 /usr/local/cuda*/targets/*/lib/libOpenCL.so.1 \
           /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 /usr/lib64/libOpenCL.so.1; do
    if [[ -f "$f" ]]; then ocl_opts=(-Dorg.lwjgl.opencl.libname="$f"); say "opencl: loader $f"; break; fi
  done
fi
if (( ! allow_cpu_ocl )); then
  nv_icd=""
  for f in /etc/OpenCL/vendors/*.icd; do
    [[ -f "$f" ]] && grep -qi nvidia "$f" && { nv_icd="$f"; break; }
  done
  mkdir -p "$work/icd"
  if [[ -n "$nv_icd" ]]; then
    cp "$nv_icd" "$work/icd/"
  else
    nv_lib="$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1 / {print $NF; exit}')"
    if [[ -z "$nv_lib" ]]; then
      for f in /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 /usr/lib64/libnvidia-opencl.so.1; do
        [[ -f "$f" ]] && { nv_lib="$f"; break; }
      done
    fi
    [[ -n "$nv_lib" ]] && echo "$nv_lib" > "$work/icd/nvidia.icd"
  fi
  if [[ -n "$(ls -A "$work/icd")" ]]; then
    export OCL_ICD_VENDORS="$work/icd"   # only NVIDIA's platform (ocl-icd and the Khronos loader read it)
    say "opencl: NVIDIA ICD $(cat "$work/icd"/*.icd | head -n 1) (OCL_ICD_VENDORS=$OCL_ICD_VENDORS)"
  else
    ocl_why="no NVIDIA OpenCL ICD (no /etc/OpenCL/vendors/*nvidia*, no libnvidia-opencl.so.1); --allow-cpu-opencl runs OpenCL on any device"
  fi
fi
if [[ -z "$ocl_why" ]]; then
  run_child 60 "$logs/opencl-devices.log" "$java_bin" "${jvm[@]}" "${ocl_opts[@]}" -cp "$app_cp" liftnet.opencl.OclRuntime
  rc=$?
  strip_warnings "$logs/opencl-devices.log" > "$work/opencl-devices.txt"
  while IFS= read -r l; do say "opencl: $l"; done < "$work/opencl-devices.txt"
  if (( rc == 0 )) && grep -q '^opencl:' "$work/opencl-devices.txt"; then
    if (( allow_cpu_ocl )); then
      first="$(grep -m 1 '^opencl:' "$work/opencl-devices.txt")"
    else
      first="$(grep '^opencl:' "$work/opencl-devices.txt" | grep -m 1 ', gpu)$' || true)"
    fi
    if [[ -n "$first" ]]; then
      ocl_ok=1
      ocl_device="${first%% *}"
      [[ "$first" == *", cpu)" ]] && ocl_on_cpu=1
      [[ "$ocl_device" == opencl:0 ]] || say "opencl: note: the tests use device opencl:0, training and speed $ocl_device"
    else
      ocl_why="no OpenCL GPU device (--allow-cpu-opencl runs OpenCL on CPU devices)"
    fi
  else
    ocl_why="$(grep -m 1 '^no OpenCL device' "$work/opencl-devices.txt" || echo "no OpenCL device (the probe exited with status $rc)")"
  fi
fi
(( cuda_ok )) && say "=> CUDA: yes" || say "=> CUDA: no ($cuda_why)"
(( ocl_ok )) && say "=> OpenCL: $ocl_device" || say "=> OpenCL: no ($ocl_why)"
write_json

# ---- 2. tests -------------------------------------------------------------------------------------------------
# junit_run KEY LOG REPORTS SELECTOR... EXTRA_JVM_OPTS -- : the JUnit console launcher, XML reports into REPORTS
tests_counts() { # LOG -> "found ok failed aborted skipped", "-" where the launcher printed no count
  local c v
  for c in found successful failed aborted skipped; do
    v="$(sed -n "s/^\[ *\([0-9]*\) tests $c *\]\$/\1/p" "$1" | tail -n 1)"
    printf '%s ' "${v:--}"
  done
}
failed_classes() { # REPORTS_DIR -> the classes with a failed or erroneous test, one a line
  cat "$1"/*.xml 2>/dev/null | awk '
    /<testcase / { if (match($0, /classname="[^"]*"/)) cls = substr($0, RSTART + 11, RLENGTH - 12) }
    /<failure|<error/ { if (cls != "") print cls }' | sort -u
}
run_tests() { # NAME PACKAGE EXTRA_JVM_OPTS...
  local name="$1" pkg="$2"; shift 2
  local log="$logs/tests-$name.log" reports="$logs/junit-$name" t0=$SECONDS rc
  if [[ ! -f "$launcher" ]]; then
    record "tests $name" FAIL 0 "JUnit console launcher missing ($launcher)"; return
  fi
  run_step "tests $name" 150 30 "$log" "$java_bin" "${jvm[@]}" "$@" -Xmx4g -cp "$app_cp:$test_cp:$launcher" \
    org.junit.platform.console.ConsoleLauncher execute --select-package "$pkg" --reports-dir "$reports" \
    --details=tree --disable-ansi-colors --disable-banner
  rc=$?
  local secs=$((SECONDS - t0)) found ok failed aborted skipped
  read -r found ok failed aborted skipped <<< "$(tests_counts "$log")"
  tests_json[$name]="{\"package\": \"$pkg\", \"found\": $(json_num "$found"), \"successful\": $(json_num "$ok"), \"failed\": $(json_num "$failed"), \"aborted\": $(json_num "$aborted"), \"skipped\": $(json_num "$skipped"), \"exit_status\": $rc, \"seconds\": $secs}"
  # failures and assumption messages (aborted tests say why they did not run)
  grep -E '✘|■' "$log" | sed 's/^[│├└─ ]*//' | sort | uniq -c | sort -rn | head -n 25 | while IFS= read -r l; do say "   $l"; done
  local counts="$found found, $ok successful, $failed failed, $aborted aborted (assumptions), $skipped skipped; ${secs} s"
  if (( rc == 200 )); then record "tests $name" NOT-RUN "$secs" "no time left in the budget"; return
  elif (( rc == 124 || rc == 137 )); then record "tests $name" TIMEOUT "$secs" "$counts"
  elif (( rc == 0 )) && [[ "$ok" =~ ^[0-9]+$ && "$failed" == 0 ]] && (( ok > 0 )); then record "tests $name" PASS "$secs" "$counts"; return
  else record "tests $name" FAIL "$secs" "$counts; exit status $rc"
  fi
  # a failed class again, every launch waited for: a kernel fault then names its kernel, grid and block
  local classes; classes="$(failed_classes "$reports" | head -n 3)"
  [[ -n "$classes" ]] || return
  local sel=() c
  for c in $classes; do sel+=(--select-class "$c"); done
  log="$logs/tests-$name-sync.log"; t0=$SECONDS
  run_step "tests $name sync" 120 30 "$log" "$java_bin" "${jvm[@]}" "$@" -Dliftnet.gpu.syncLaunches=true -Xmx4g \
    -cp "$app_cp:$test_cp:$launcher" org.junit.platform.console.ConsoleLauncher execute "${sel[@]}" \
    --reports-dir "$logs/junit-$name-sync" --details=tree --disable-ansi-colors --disable-banner
  rc=$?
  secs=$((SECONDS - t0))
  read -r found ok failed aborted skipped <<< "$(tests_counts "$log")"
  tests_json[$name-sync]="{\"classes\": $(json_str "$classes"), \"found\": $(json_num "$found"), \"failed\": $(json_num "$failed"), \"exit_status\": $rc, \"seconds\": $secs}"
  local kernel_lines; kernel_lines="$(grep -o -E '(CUDA|OpenCL): kernel [^ ]+ \(grid [^)]*\) failed: [^ ]+' "$log" | sort | uniq -c | sort -rn | head -n 5)"
  [[ -n "$kernel_lines" ]] && while IFS= read -r l; do say "   $l"; done <<< "$kernel_lines"
  local what="rerun of $(echo "$classes" | sed 's/.*\.//' | paste -sd, -) with -Dliftnet.gpu.syncLaunches=true: $failed failed"
  if (( rc == 200 )); then record "tests $name sync" NOT-RUN "$secs" "no time left in the budget"
  elif (( rc == 124 || rc == 137 )); then record "tests $name sync" TIMEOUT "$secs" "$what"
  elif [[ -n "$kernel_lines" ]]; then record "tests $name sync" FAIL "$secs" "$what; $(head -n 1 <<< "$kernel_lines" | sed 's/^ *[0-9]* //')"
  else record "tests $name sync" FAIL "$secs" "$what; no kernel fault reported (see $log)"
  fi
}
if (( do_tests )); then
  section "tests"
  if (( cuda_ok )); then run_tests cuda liftnet.cuda; else record "tests cuda" SKIP 0 "$cuda_why"; fi
  if (( ocl_ok )); then run_tests opencl liftnet.opencl "${ocl_opts[@]}"; else record "tests opencl" SKIP 0 "$ocl_why"; fi
fi

# ---- 3. throughput: GPU against the CPU engine on 1..all threads -----------------------------------------------
if (( do_speed )); then
  section "throughput: contrastive training steps, samples/s"
  if (( quick )); then warm=0.5; secs=1; else warm=1.5; secs=3; fi
  parts=()
  # speed_run LABEL WANT ENGINES [--cases LIST]: one JVM; a crash of a driver (or of PoCL) loses only its own cases
  speed_run() {
    local label="$1" want="$2" engines="$3"; shift 3
    local log="$logs/throughput-$label.log" part="$work/throughput-$label.json" t0=$SECONDS rc
    parts+=("$part")
    run_step "speed $label" "$want" 20 "$log" "$java_bin" "${jvm[@]}" "${ocl_opts[@]}" -Xmx8g -cp "$app_cp:$test_cp" \
      liftnet.check.Throughput --engines "$engines" --nets 784-64-64-64-10,1024-512-512-10 --batches 50,1000 \
      --warmup "$warm" --seconds "$secs" --data "$data_dir" --json "$part" "$@"
    rc=$?
    [[ -f "$part" && -n "$out_dir" ]] && cp -f "$part" "$logs/"
    strip_warnings "$log" | grep -v -e '^net ' -e '^ *$' | grep -v '^[0-9-]* *[0-9]* ' | while IFS= read -r l; do say "   $l"; done
    local measured; measured="$(grep -c samples/s "$log")"
    if (( rc == 200 )); then record "speed $label" NOT-RUN $((SECONDS - t0)) "no time left in the budget"
    elif (( rc == 124 || rc == 137 )); then record "speed $label" TIMEOUT $((SECONDS - t0)) "cases measured before: $measured"
    elif (( rc == 0 )); then record "speed $label" PASS $((SECONDS - t0)) "$measured cases"
    else record "speed $label" FAIL $((SECONDS - t0)) "exit status $rc; $(grep -c 'FAILED' "$log") cases failed: $(strip_warnings "$log" | grep -v '^ *$' | tail -n 1)"
    fi
  }
  if (( cuda_ok )); then speed_run cuda 90 cuda; else record "speed cuda" SKIP 0 "$cuda_why"; fi
  speed_run cpu 120 cpu
  thread_engines=""
  for t in ${cpu_threads//,/ }; do
    (( t > 0 && t < cores )) && thread_engines="${thread_engines:+$thread_engines,}cpu@$t"
  done
  if [[ -n "$thread_engines" ]]; then
    speed_run cpu-threads 150 "$thread_engines" --cases 784-64-64-64-10:50,1024-512-512-10:1000
  fi
  if (( ocl_ok && ocl_on_cpu )); then
    # OpenCL on the CPU (PoCL) is a dry run: 1024-512-512-10 takes minutes there, and its figures mean nothing
    say "   (OpenCL runs on a CPU device: only 784-64-64-64-10)"
    speed_run opencl 90 "$ocl_device" --cases 784-64-64-64-10:50,784-64-64-64-10:1000
  elif (( ocl_ok )); then speed_run opencl 90 "$ocl_device"
  else record "speed opencl" SKIP 0 "$ocl_why"
  fi
  say ""
  say "samples/s (cpu@N: the CPU engine on N threads; cpu: on all $cores; the ratio columns: engine / cpu):"
  "$java_bin" "${jvm[@]}" -cp "$app_cp:$test_cp" liftnet.check.Throughput --merge "${parts[@]}" \
    --json "$work/throughput.json" > "$logs/throughput-table.log" 2>&1
  strip_warnings "$logs/throughput-table.log" | while IFS= read -r l; do say "   $l"; done
  [[ -s "$work/throughput.json" ]] && speed_json="$(cat "$work/throughput.json")"
  write_json
fi

# ---- 4. one MNIST epoch per engine ----------------------------------------------------------------------------
train_one() { # LABEL DEVICE EXTRA_JVM_OPTS...
  local label="$1" device="$2"; shift 2
  local log="$logs/train-$label.log" run="$work/runs/$label" t0=$SECONDS rc limit=()
  (( quick )) && limit=(--limit 10000)
  mkdir -p "$work/runs"
  run_step "train $label" 90 20 "$log" "$java_bin" "${jvm[@]}" "$@" -cp "$app_cp" liftnet.cli.Main train --device "$device" --epochs 1 \
    "${limit[@]}" --data "$data_dir" --out "$run"
  rc=$?
  local secs=$((SECONDS - t0))
  tr '\r' '\n' < "$log" | strip_warnings | grep -E '^(device|epoch [0-9]+/[0-9]+ +train_acc|done|error)' | while IFS= read -r l; do say "   $l"; done
  local m=""; [[ -f "$run/metrics.jsonl" ]] && m="$(tail -n 1 "$run/metrics.jsonl")"
  local sps acc
  sps="$(printf '%s' "$m" | sed -n 's/.*"samples_per_s":\([-0-9.eE+]*\).*/\1/p')"
  acc="$(printf '%s' "$m" | sed -n 's/.*"test_acc":\([-0-9.eE+]*\).*/\1/p')"
  local engine; engine="$(tr '\r' '\n' < "$log" | sed -n 's/^device: //p' | head -n 1)"
  train_json[$label]="{\"device\": $(json_str "$device"), \"engine\": $(json_str "$engine"), \"samples\": $( (( quick )) && echo 10000 || echo 60000), \"exit_status\": $rc, \"seconds\": $secs, \"metrics\": ${m:-null}}"
  if (( rc == 200 )); then record "train $label" NOT-RUN "$secs" "no time left in the budget"
  elif (( rc == 124 || rc == 137 )); then record "train $label" TIMEOUT "$secs" "after ${secs} s"
  elif (( rc == 0 )) && [[ -n "$sps" ]]; then
    record "train $label" PASS "$secs" "$(awk -v s="$sps" -v a="$acc" 'BEGIN {printf "%.0f samples/s, test accuracy %.2f %%", s, 100 * a}')"
  else record "train $label" FAIL "$secs" "exit status $rc: $(tr '\r' '\n' < "$log" | strip_warnings | grep -v '^ *$' | tail -n 1)"
  fi
}
if (( do_train )); then
  section "one MNIST epoch (contrastive, 784-64-64-64-10 relu, batch 50, 15 sweeps$( (( quick )) && echo ", first 10,000 samples"))"
  if [[ ! -d "$data_dir" ]]; then
    record "train" SKIP 0 "no MNIST in $data_dir"
  else
    if (( cuda_ok )); then train_one cuda cuda; else record "train cuda" SKIP 0 "$cuda_why"; fi
    train_one cpu cpu
    if (( ocl_ok )); then train_one opencl "$ocl_device" "${ocl_opts[@]}"; else record "train opencl" SKIP 0 "$ocl_why"; fi
  fi
fi

if (( jmh )); then
  section "JMH quick set"
  engines=(cpu); (( cuda_ok )) && engines+=(cuda); (( ocl_ok )) && engines+=(opencl)
  if [[ -f "$bench_jar" ]]; then
    log="$logs/jmh.log"; t0=$SECONDS
    run_step jmh 150 60 "$log" "$java_bin" "${jvm[@]}" "${ocl_opts[@]}" -Xmx4g -Dliftnet.data=data -cp "$bench_jar" \
      liftnet.bench.StandardSet --quick --engines "$(IFS=,; echo "${engines[*]}")" --out "$results_dir" --machine "$host"
    rc=$?
    strip_warnings "$log" | tail -n 30 | while IFS= read -r l; do say "   $l"; done
    jmh_json="$(find "$results_dir" -maxdepth 1 -name '*.json' ! -name 'gpu-check-*' -newer "$work/started" | head -n 1)"
    if (( rc == 0 )); then record "jmh" PASS $((SECONDS - t0)) "results in $results_dir"
    elif (( rc == 1 )) && [[ -n "$jmh_json" ]] && grep -q 'NoClassDefFoundError: java/awt' "$log"; then
      # the bundled runtime has no java.desktop (12 MB): the JMH JSON is written, its markdown and chart are not
      record "jmh" PASS $((SECONDS - t0)) "$jmh_json written; no markdown/chart (no java.desktop in the bundled runtime)"
    elif (( rc == 200 )); then record "jmh" NOT-RUN $((SECONDS - t0)) "no time left in the budget"
    else record "jmh" FAIL $((SECONDS - t0)) "exit status $rc"
    fi
  else
    record "jmh" SKIP 0 "no benchmarks jar ($bench_jar)"
  fi
fi

# ---- 6. the GPU engine's timing switches and the PyTorch peer (last: the budget cuts these first) ------------
# record_script STEP RC T0 LOG WHAT: shows a measuring script's log and records its step by exit status
record_script() {
  local step="$1" rc="$2" t0="$3" log="$4" what="$5"
  strip_warnings "$log" | while IFS= read -r l; do say "   $l"; done
  if (( rc == 200 )); then record "$step" NOT-RUN $((SECONDS - t0)) "no time left in the budget"
  elif (( rc == 124 || rc == 137 )); then record "$step" TIMEOUT $((SECONDS - t0)) "after $((SECONDS - t0)) s"
  elif (( rc == 0 )); then record "$step" PASS $((SECONDS - t0)) "$(grep -c samples/s "$log") $what"
  else record "$step" FAIL $((SECONDS - t0)) "exit status $rc"
  fi
}
variant_engine=""
if (( cuda_ok )); then variant_engine=cuda
elif (( ocl_ok )); then variant_engine="$ocl_device"
fi
if (( do_speed )); then
  section "GPU engine variants (step fused/phased/off, graph replay off, tiled GEMMs) and the PyTorch peer"
  if [[ -n "$variant_engine" ]]; then
    variant_cases=()
    (( quick || ocl_on_cpu )) && [[ "$variant_engine" != cuda ]] && variant_cases=(--nets 784-64-64-64-10 --batches 50)
    t0=$SECONDS
    run_step "speed variants" 120 40 "$logs/variants.log" "$here/gpu-variants.sh" --java "$java_bin" \
      --cp "$app_cp:$test_cp" --engine "$variant_engine" --data "$data_dir" --seconds 1 --log-dir "$logs" "${variant_cases[@]}" \
      -- "${jvm[@]}" "${ocl_opts[@]}" -Xmx8g
    record_script "speed variants" $? "$t0" "$logs/variants.log" "cases on $variant_engine"
  else
    record "speed variants" SKIP 0 "no GPU engine: $cuda_why"
  fi
  if ! (( cuda_ok )); then
    record "speed pytorch" SKIP 0 "the peer is measured on the GPU only: $cuda_why"
  elif ! python3 -c 'import torch' > /dev/null 2>&1; then
    record "speed pytorch" SKIP 0 "python3 cannot import torch"
  else
    t0=$SECONDS
    run_step "speed pytorch" 60 20 "$logs/peer.log" "$here/gpu-peer.sh" --data "$data_dir" --seconds "$secs" --log-dir "$logs"
    record_script "speed pytorch" $? "$t0" "$logs/peer.log" "cases"
  fi
  write_json
fi

# ---- 7. summary -----------------------------------------------------------------------------------------------
summary
(( $(count_failures) == 0 ))
