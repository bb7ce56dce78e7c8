#!/usr/bin/env bash
# liftnet GPU check: on a machine with an NVIDIA GPU, proves the CUDA (and, where present, NVIDIA's OpenCL) engine
# works and measures it against the CPU engine of the same machine. Runs inside a bundle made by
# scripts/gpu-bundle.sh (no Java needed: the bundle brings its runtime), or from the project root with a JDK 17+.
#
#   1. machine: nvidia-smi, CPU, and the devices the engines see (liftnet.cuda.CudaRuntime, liftnet.opencl.OclRuntime)
#   2. tests:   the JUnit tests of liftnet.cuda (contract, parity with the CPU engine, PTX) and of liftnet.opencl
#   3. train:   one MNIST epoch (paper settings) with --device cuda, opencl and cpu: samples/s and test accuracy
#   4. speed:   contrastive training steps of 784-64-64-64-10 and 1024-512-512-10 at batch 50 and 1000 on every
#               engine (liftnet.check.Throughput), with the GPU/CPU ratios; the JMH quick set with --jmh
#   5. results: bench/results/gpu-check-<host>-<date>.{txt,json} (and a copy in --out DIR, with the logs)
#
# Every step has a time limit and a failed step does not stop the others; a summary ends the output. Exit status:
# 0 when nothing failed (steps skipped for want of a device do not count), 1 otherwise, 2 for a usage error.
#
# Usage: gpu-check.sh [--out DIR] [--allow-cpu-opencl] [--budget SECONDS] [--quick] [--jmh]
#                     [--no-tests] [--no-train] [--no-speed] [--java JAVA]
#   --out DIR            also copy the results and the logs into DIR (e.g. $OUT of the device tool)
#   --allow-cpu-opencl   run the OpenCL steps on any OpenCL device (PoCL on the CPU, for a dry run); by default
#                        they run only on an NVIDIA OpenCL GPU
#   --budget SECONDS     time for the whole check (default 280); each step gets at most what is left
#   --quick              shorter measurements (0.5 s warm-up, 1 s per case instead of 1.5 s and 3 s)
#   --jmh                also run the JMH quick set (lib/benchmarks.jar or bench/target/benchmarks.jar) if present
#   --java JAVA          the java binary to use (default: the bundle's runtime; in a checkout the newest JDK found)
#   --ptx MODE           auto (default): the bundle's lib/ptx-compat.jar (the PTX declaring an older ISA) goes first
#                        on the class path when the driver is older than the nvcc that built the PTX; bundled: never;
#                        compat: always
set -uo pipefail

start_time=$SECONDS
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

out_dir=""
allow_cpu_ocl=0
budget=280
quick=0
jmh=0
do_tests=1
do_train=1
do_speed=1
java_bin=""
ptx_mode=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out_dir="${2:?--out needs a folder}"; shift 2 ;;
    --out=*) out_dir="${1#*=}"; shift ;;
    --allow-cpu-opencl) allow_cpu_ocl=1; shift ;;
    --budget) budget="${2:?--budget needs seconds}"; shift 2 ;;
    --budget=*) budget="${1#*=}"; shift ;;
    --quick) quick=1; shift ;;
    --jmh) jmh=1; shift ;;
    --no-tests) do_tests=0; shift ;;
    --no-train) do_train=0; shift ;;
    --no-speed) do_speed=0; shift ;;
    --java) java_bin="${2:?--java needs a path}"; shift 2 ;;
    --ptx) ptx_mode="${2:?--ptx needs auto, bundled or compat}"; shift 2 ;;
    --ptx=*) ptx_mode="${1#*=}"; shift ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$budget" =~ ^[0-9]+$ ]] || { echo "gpu-check: --budget takes whole seconds, found '$budget'" >&2; exit 2; }
[[ "$ptx_mode" =~ ^(auto|bundled|compat)$ ]] || { echo "gpu-check: --ptx takes auto, bundled or compat, found '$ptx_mode'" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# ---- layout: bundle or checkout -------------------------------------------------------------------------------
if [[ -f "$here/lib/liftnet.jar" ]]; then
  mode=bundle
  base="$here"
  app_jar="$here/lib/liftnet.jar"
  test_cp="$here/lib/liftnet-tests.jar"
  launcher="$(ls "$here"/lib/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)"
  bench_jar="$here/lib/benchmarks.jar"
  compat_jar="$here/lib/ptx-compat.jar"
  ptx_info="$here/lib/ptx.txt"
else
  mode=checkout
  base="$(cd "$here/.." && pwd)"
  app_jar="$base/target/liftnet.jar"
  test_cp="$base/target/test-classes"
  junit="$(sed -n 's:.*<junit.version>\([^<]*\)</junit.version>.*:\1:p' "$base/pom.xml" 2>/dev/null | head -n 1)"
  case "$junit" in 5.*) platform="1.${junit#5.}" ;; *) platform="$junit" ;; esac
  launcher="${MAVEN_REPO:-$HOME/.m2/repository}/org/junit/platform/junit-platform-console-standalone/$platform/junit-platform-console-standalone-$platform.jar"
  bench_jar="$base/bench/target/benchmarks.jar"
  compat_jar=""
  ptx_info=""
fi
app_cp="$app_jar"
cd "$base" || exit 1
data_dir="$base/data/mnist"
results_dir="$base/bench/results"
mkdir -p "$results_dir"
host="$(uname -n 2>/dev/null | tr -c 'A-Za-z0-9._\n-' '_' | cut -c1-40)"
host="${host:-host}"
stem="gpu-check-$host-$(date +%Y-%m-%d)"
n=2
while [[ -e "$results_dir/$stem.txt" || -e "$results_dir/$stem.json" ]]; do
  stem="gpu-check-$host-$(date +%Y-%m-%d)-$n"; n=$((n + 1))
done
txt="$results_dir/$stem.txt"
json="$results_dir/$stem.json"
logs="$work/logs"
mkdir -p "$logs"
: > "$txt"
: > "$work/started"   # results newer than this one are this run's (the JMH files)

say() { printf '%s\n' "$*" | tee -a "$txt"; }
section() { say ""; say "== $* =="; }
elapsed() { echo $((SECONDS - start_time)); }
left() { echo $((budget - (SECONDS - start_time))); }

# step bookkeeping: name, status (PASS FAIL SKIP TIMEOUT), seconds, detail
step_names=(); step_status=(); step_secs=(); step_detail=()
record() {
  step_names+=("$1"); step_status+=("$2"); step_secs+=("$3"); step_detail+=("$4")
  say "-> $1: $2${4:+ ($4)}"
}

# run_step TIMEOUT MIN LOG CMD... : runs CMD with at most TIMEOUT seconds (or what the budget leaves, less a 10 s
# reserve for the summary); returns 200 without running it when fewer than MIN seconds are left; else CMD's
# status (124 on timeout). Output goes to LOG.
run_step() {
  local want="$1" min="$2" log="$3"; shift 3
  local t; t="$(left)"; t=$((t - 10))
  (( t > want )) && t="$want"
  if (( t < min )); then
    echo "not run: $t s left of the budget" > "$log"
    return 200
  fi
  timeout -k 10 "$t" "$@" > "$log" 2>&1
}

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

say "liftnet gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $host ($mode: $base), budget ${budget} s"
[[ -f "$base/BUNDLE.txt" ]] && say "$(head -n 3 "$base/BUNDLE.txt" | tail -n 2)"

# ---- Java -----------------------------------------------------------------------------------------------------
java_major() {
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -n 1)"
  echo "${v:-0}"
}
if [[ -z "$java_bin" && $mode == bundle ]]; then
  if [[ -x "$base/runtime/bin/java" ]]; then
    java_bin="$base/runtime/bin/java"
  elif [[ -f "$base/runtime.tar.gz" ]]; then
    if tar -C "$work" -xzf "$base/runtime.tar.gz" 2>"$logs/runtime-unpack.log"; then
      java_bin="$work/runtime/bin/java"
    else
      say "cannot unpack runtime.tar.gz: $(tail -n 1 "$logs/runtime-unpack.log")"
    fi
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
  say "error: no Java 17+ (the bundle's runtime.tar.gz, --java, \$JAVA_HOME or java on PATH); nothing can run"
  exit 1
fi
jmajor="$(java_major "$java_bin")"
say "java: $java_bin ($("$java_bin" -version 2>&1 | grep -v '^WARNING' | sed -n 2p))"
[[ "$(uname -m)" == x86_64 ]] || say "warning: this is $(uname -m); the bundled LWJGL natives and runtime are for Linux x86_64"

# UTF-8 output whatever the locale (the JUnit tree marks results with ✔ ✘ ■)
jvm=(--add-modules jdk.incubator.vector -Djava.awt.headless=true -Dliftnet.home="$base"
     -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8
     -Dorg.lwjgl.system.SharedLibraryExtractPath="$work/lwjgl")
(( jmajor >= 22 )) && jvm+=(--enable-native-access=ALL-UNNAMED)
(( jmajor >= 24 )) && jvm+=(--sun-misc-unsafe-memory-access=allow)
strip_warnings() { grep -v -e '^WARNING: Using incubator modules' "$@"; }

# ---- 1. machine and devices -----------------------------------------------------------------------------------
section "machine"
say "kernel: $(uname -srm)"
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
cores="$(nproc 2>/dev/null || echo '?')"
mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)"
say "cpu: ${cpu_model:-unknown}, $cores processors, $mem"
: > "$logs/nvidia-smi.log"
if command -v nvidia-smi >/dev/null; then
  timeout -k 5 30 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,power.limit,clocks.max.sm \
    --format=csv > "$logs/nvidia-smi.log" 2>&1 || timeout -k 5 30 nvidia-smi -L > "$logs/nvidia-smi.log" 2>&1
  timeout -k 5 30 nvidia-smi > "$logs/nvidia-smi-full.log" 2>&1
  cuda_version="$(sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' "$logs/nvidia-smi-full.log" | head -n 1)"
  while IFS= read -r l; do say "nvidia-smi: $l"; done < "$logs/nvidia-smi.log"
  [[ -n "${cuda_version:-}" ]] && say "nvidia-smi: CUDA version $cuda_version"
else
  say "nvidia-smi: not installed"
fi

# CUDA devices
cuda_ok=0
timeout -k 5 60 "$java_bin" "${jvm[@]}" -cp "$app_jar" liftnet.cuda.CudaRuntime > "$logs/cuda-devices.log" 2>&1
rc=$?
strip_warnings "$logs/cuda-devices.log" > "$work/cuda-devices.txt"
while IFS= read -r l; do say "cuda: $l"; done < "$work/cuda-devices.txt"
if (( rc == 0 )) && grep -q '^cuda:' "$work/cuda-devices.txt"; then
  cuda_ok=1
  cuda_why=""
else
  cuda_why="$(grep -m 1 '^no CUDA device' "$work/cuda-devices.txt" || true)"
  cuda_why="${cuda_why:-no CUDA device (the probe exited with status $rc)}"
fi

# PTX against the driver: CUDA 13's nvcc writes PTX ISA 9.0, which a CUDA 12 driver refuses
ptx_isa=""; ptx_cuda=""; compat_isa=""
if [[ -n "$ptx_info" && -f "$ptx_info" ]]; then
  ptx_isa="$(sed -n 's/^isa=//p' "$ptx_info")"; ptx_cuda="$(sed -n 's/^cuda=//p' "$ptx_info")"
  compat_isa="$(sed -n 's/^compat_isa=//p' "$ptx_info")"
elif [[ -f "$base/target/classes/liftnet/ptx/gemm.ptx" ]]; then
  ptx_isa="$(sed -n 's/^\.version \([0-9.]*\)$/\1/p' "$base/target/classes/liftnet/ptx/gemm.ptx")"
fi
driver_cuda="$(sed -n 's/.*(CUDA driver \([0-9][0-9.]*\),.*/\1/p' "$work/cuda-devices.txt" | head -n 1)"
driver_cuda="${driver_cuda:-${cuda_version:-}}"   # else what nvidia-smi says
older() { [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" == "$1" ]]; } # A < B
ptx_used="bundled"
want_compat=0
if [[ "$ptx_mode" == compat ]]; then
  want_compat=1
elif [[ "$ptx_mode" == auto && -n "$driver_cuda" && "$ptx_cuda" =~ ^[0-9.]+$ ]] && older "$driver_cuda" "$ptx_cuda"; then
  want_compat=1
fi
if (( want_compat )); then
  if [[ -n "$compat_jar" && -f "$compat_jar" ]]; then
    ptx_used="compat"
    app_cp="$compat_jar:$app_jar"
    if [[ "$ptx_mode" == compat ]]; then
      say "ptx: --ptx compat: using lib/ptx-compat.jar (ISA $compat_isa) instead of ISA $ptx_isa; driver: CUDA ${driver_cuda:-none}"
    else
      say "ptx: the driver (CUDA $driver_cuda) is older than the PTX (ISA $ptx_isa, CUDA $ptx_cuda): using lib/ptx-compat.jar (ISA $compat_isa)"
    fi
  else
    say "ptx: warning: the driver (CUDA ${driver_cuda:-?}) is older than the PTX (ISA $ptx_isa, CUDA ${ptx_cuda:-?}) and there is no ptx-compat.jar: expect CUDA_ERROR_UNSUPPORTED_PTX_VERSION"
  fi
elif [[ -n "$ptx_isa" ]]; then
  say "ptx: ISA $ptx_isa${ptx_cuda:+ (CUDA $ptx_cuda+)}; driver: ${driver_cuda:-none}"
fi

# OpenCL: find a loader, keep only NVIDIA's ICD unless --allow-cpu-opencl, list the devices
ocl_opts=()
ocl_ok=0
ocl_device="opencl"
ocl_why=""
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
  timeout -k 5 60 "$java_bin" "${jvm[@]}" "${ocl_opts[@]}" -cp "$app_jar" liftnet.opencl.OclRuntime > "$logs/opencl-devices.log" 2>&1
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

# ---- 2. tests -------------------------------------------------------------------------------------------------
declare -A tests_json
run_tests() { # NAME PACKAGE EXTRA_JVM_OPTS...
  local name="$1" pkg="$2"; shift 2
  local log="$logs/tests-$name.log" t0=$SECONDS rc
  if [[ ! -f "$launcher" ]]; then
    record "tests $name" FAIL 0 "JUnit console launcher missing ($launcher)"; return
  fi
  run_step 150 20 "$log" "$java_bin" "${jvm[@]}" "$@" -Xmx4g -cp "$app_cp:$test_cp:$launcher" \
    org.junit.platform.console.ConsoleLauncher execute --select-package "$pkg" \
    --details=tree --disable-ansi-colors --disable-banner
  rc=$?
  local secs=$((SECONDS - t0))
  local found ok failed aborted skipped
  count() { sed -n "s/^\[ *\([0-9]*\) tests $1 *\]\$/\1/p" "$log" | tail -n 1; }
  found="$(count found)"; ok="$(count successful)"; failed="$(count failed)"; aborted="$(count aborted)"; skipped="$(count skipped)"
  tests_json[$name]="{\"package\": \"$pkg\", \"found\": $(json_num "$found"), \"successful\": $(json_num "$ok"), \"failed\": $(json_num "$failed"), \"aborted\": $(json_num "$aborted"), \"skipped\": $(json_num "$skipped"), \"exit_status\": $rc, \"seconds\": $secs}"
  # failures and assumption messages (aborted tests say why they did not run)
  grep -E '✘|■' "$log" | sed 's/^[│├└─ ]*//' | sort | uniq -c | sort -rn | head -n 25 | while IFS= read -r l; do say "   $l"; done
  local counts="${found:-?} found, ${ok:-?} successful, ${failed:-?} failed, ${aborted:-?} aborted (assumptions), ${skipped:-?} skipped; ${secs} s"
  if (( rc == 200 )); then record "tests $name" SKIP "$secs" "no time left"
  elif (( rc == 124 || rc == 137 )); then record "tests $name" TIMEOUT "$secs" "$counts"
  elif (( rc == 0 )) && [[ "${ok:-0}" -gt 0 && "${failed:-0}" == 0 ]]; then record "tests $name" PASS "$secs" "$counts"
  else record "tests $name" FAIL "$secs" "$counts; exit status $rc"
  fi
}
if (( do_tests )); then
  section "tests"
  if (( cuda_ok )); then run_tests cuda liftnet.cuda; else record "tests cuda" SKIP 0 "$cuda_why"; fi
  if (( ocl_ok )); then run_tests opencl liftnet.opencl "${ocl_opts[@]}"; else record "tests opencl" SKIP 0 "$ocl_why"; fi
fi

# ---- 3. one MNIST epoch per engine ----------------------------------------------------------------------------
declare -A train_json
train_one() { # LABEL DEVICE EXTRA_JVM_OPTS...
  local label="$1" device="$2"; shift 2
  local log="$logs/train-$label.log" run="$work/runs/$label" t0=$SECONDS rc
  mkdir -p "$work/runs"
  run_step 120 20 "$log" "$java_bin" "${jvm[@]}" "$@" -cp "$app_cp" liftnet.cli.Main train --device "$device" --epochs 1 \
    --data "$data_dir" --out "$run"
  rc=$?
  local secs=$((SECONDS - t0))
  tr '\r' '\n' < "$log" | strip_warnings | grep -E '^(device|epoch [0-9]+/[0-9]+ +train_acc|done|error)' | while IFS= read -r l; do say "   $l"; done
  local m=""; [[ -f "$run/metrics.jsonl" ]] && m="$(tail -n 1 "$run/metrics.jsonl")"
  local sps acc
  sps="$(printf '%s' "$m" | sed -n 's/.*"samples_per_s":\([-0-9.eE+]*\).*/\1/p')"
  acc="$(printf '%s' "$m" | sed -n 's/.*"test_acc":\([-0-9.eE+]*\).*/\1/p')"
  local engine; engine="$(tr '\r' '\n' < "$log" | sed -n 's/^device: //p' | head -n 1)"
  train_json[$label]="{\"device\": $(json_str "$device"), \"engine\": $(json_str "$engine"), \"exit_status\": $rc, \"seconds\": $secs, \"metrics\": ${m:-null}}"
  if (( rc == 200 )); then record "train $label" SKIP "$secs" "no time left"
  elif (( rc == 124 || rc == 137 )); then record "train $label" TIMEOUT "$secs" "after ${secs} s"
  elif (( rc == 0 )) && [[ -n "$sps" ]]; then
    record "train $label" PASS "$secs" "$(awk -v s="$sps" -v a="$acc" 'BEGIN {printf "%.0f samples/s, test accuracy %.2f %%", s, 100 * a}')"
  else record "train $label" FAIL "$secs" "exit status $rc: $(tr '\r' '\n' < "$log" | strip_warnings | grep -v '^ *$' | tail -n 1)"
  fi
}
if (( do_train )); then
  section "one MNIST epoch (contrastive, 784-64-64-64-10 relu, batch 50, 15 sweeps)"
  if [[ ! -d "$data_dir" ]]; then
    record "train" SKIP 0 "no MNIST in $data_dir"
  else
    if (( cuda_ok )); then train_one cuda cuda; else record "train cuda" SKIP 0 "$cuda_why"; fi
    if (( ocl_ok )); then train_one opencl "$ocl_device" "${ocl_opts[@]}"; else record "train opencl" SKIP 0 "$ocl_why"; fi
    train_one cpu cpu
  fi
fi

# ---- 4. throughput, GPU against CPU ---------------------------------------------------------------------------
speed_json="null"
if (( do_speed )); then
  section "throughput: contrastive training steps, samples/s"
  engines=(cpu)
  (( cuda_ok )) && engines+=(cuda)
  (( ocl_ok )) && engines+=("$ocl_device")
  if (( quick )); then warm=0.5; secs=1; else warm=1.5; secs=3; fi
  parts=()
  # one JVM per engine: a crash of a driver (or of PoCL) loses only that engine's remaining cases
  for e in "${engines[@]}"; do
    label="${e%%:*}"
    log="$logs/throughput-$label.log"
    part="$work/throughput-$label.json"
    parts+=("$part")
    t0=$SECONDS
    run_step 100 20 "$log" "$java_bin" "${jvm[@]}" "${ocl_opts[@]}" -Xmx8g -cp "$app_cp:$test_cp" liftnet.check.Throughput \
      --engines "$e" --nets 784-64-64-64-10,1024-512-512-10 --batches 50,1000 --warmup "$warm" --seconds "$secs" \
      --data "$data_dir" --json "$part"
    rc=$?
    strip_warnings "$log" | grep -v -e '^net ' -e '^ *$' | grep -v '^[0-9-]* *[0-9]* ' | while IFS= read -r l; do say "   $l"; done
    failed_cases="$(grep -c 'FAILED' "$log" || true)"
    if (( rc == 200 )); then record "speed $label" SKIP $((SECONDS - t0)) "no time left"
    elif (( rc == 124 || rc == 137 )); then record "speed $label" TIMEOUT $((SECONDS - t0)) "cases measured before: $(grep -c samples/s "$log")"
    elif (( rc == 0 )); then record "speed $label" PASS $((SECONDS - t0)) "$(grep -c samples/s "$log") cases"
    else record "speed $label" FAIL $((SECONDS - t0)) "exit status $rc; $failed_cases cases failed: $(strip_warnings "$log" | grep -v '^ *$' | tail -n 1)"
    fi
  done
  say ""
  say "samples/s (the ratio columns: engine / cpu on this machine):"
  timeout -k 5 60 "$java_bin" "${jvm[@]}" -cp "$app_jar:$test_cp" liftnet.check.Throughput --merge "${parts[@]}" \
    --json "$work/throughput.json" > "$logs/throughput-table.log" 2>&1
  strip_warnings "$logs/throughput-table.log" | while IFS= read -r l; do say "   $l"; done
  [[ -s "$work/throughput.json" ]] && speed_json="$(cat "$work/throughput.json")"

fi

if (( jmh )); then
  section "JMH quick set"
  [[ -n "${engines+x}" ]] || { engines=(cpu); (( cuda_ok )) && engines+=(cuda); (( ocl_ok )) && engines+=("$ocl_device"); }
  if [[ -f "$bench_jar" ]]; then
    log="$logs/jmh.log"; t0=$SECONDS
    run_step 150 60 "$log" "$java_bin" "${jvm[@]}" "${ocl_opts[@]}" -Xmx4g -Dliftnet.data=data -cp "${app_cp%"$app_jar"}$bench_jar" \
      liftnet.bench.StandardSet --quick --engines "$(IFS=,; echo "${engines[*]}" | sed 's/opencl:[0-9]*/opencl/')" --out "$results_dir" --machine "$host"
    rc=$?
    strip_warnings "$log" | tail -n 30 | while IFS= read -r l; do say "   $l"; done
    jmh_json="$(find "$results_dir" -maxdepth 1 -name '*.json' ! -name 'gpu-check-*' -newer "$work/started" | head -n 1)"
    if (( rc == 0 )); then record "jmh" PASS $((SECONDS - t0)) "results in $results_dir"
    elif (( rc == 1 )) && [[ -n "$jmh_json" ]] && grep -q 'NoClassDefFoundError: java/awt' "$log"; then
      # the bundled runtime has no java.desktop (12 MB): the JMH JSON is written, its markdown and chart are not
      record "jmh" PASS $((SECONDS - t0)) "$jmh_json written; no markdown/chart (no java.desktop in the bundled runtime)"
    elif (( rc == 200 )); then record "jmh" SKIP $((SECONDS - t0)) "no time left"
    else record "jmh" FAIL $((SECONDS - t0)) "exit status $rc"
    fi
  else
    record "jmh" SKIP 0 "no benchmarks jar ($bench_jar)"
  fi
fi

# ---- 5. summary and results -----------------------------------------------------------------------------------
section "summary"
failures=0
for i in "${!step_names[@]}"; do
  say "$(printf '%-8s %-14s %4ss  %s' "${step_status[$i]}" "${step_names[$i]}" "${step_secs[$i]}" "${step_detail[$i]}")"
  [[ "${step_status[$i]}" == FAIL || "${step_status[$i]}" == TIMEOUT ]] && failures=$((failures + 1))
done
say "total $(elapsed) s; $failures failed; results: $txt, $json"

{
  printf '{\n'
  printf '  "host": %s,\n' "$(json_str "$host")"
  printf '  "date": %s,\n' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
  printf '  "mode": %s,\n' "$(json_str "$mode")"
  printf '  "bundle": %s,\n' "$(json_lines <( [[ -f "$base/BUNDLE.txt" ]] && sed -n '1,8p' "$base/BUNDLE.txt"))"
  printf '  "kernel": %s,\n' "$(json_str "$(uname -srm)")"
  printf '  "cpu": %s,\n' "$(json_str "${cpu_model:-unknown}")"
  printf '  "processors": %s,\n' "$(json_num "$cores")"
  printf '  "java": %s,\n' "$(json_str "$("$java_bin" -version 2>&1 | grep -v '^WARNING' | sed -n 2p)")"
  printf '  "nvidia_smi": %s,\n' "$(json_lines "$logs/nvidia-smi.log")"
  printf '  "cuda_devices": %s,\n' "$(json_lines <(grep '^cuda:' "$work/cuda-devices.txt" 2>/dev/null))"
  printf '  "cuda_problem": %s,\n' "$( (( cuda_ok )) && echo null || json_str "$cuda_why")"
  printf '  "ptx": {"isa": %s, "needs_cuda": %s, "driver_cuda": %s, "used": "%s"},\n' "$(json_str "$ptx_isa")" \
    "$(json_str "$ptx_cuda")" "$(json_str "$driver_cuda")" "$ptx_used"
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
  first=1; for k in cuda opencl; do [[ -n "${tests_json[$k]:-}" ]] || continue; (( first )) || printf ','; first=0; printf '\n    "%s": %s' "$k" "${tests_json[$k]}"; done
  printf '\n  },\n'
  printf '  "train_one_mnist_epoch": {'
  first=1; for k in cuda opencl cpu; do [[ -n "${train_json[$k]:-}" ]] || continue; (( first )) || printf ','; first=0; printf '\n    "%s": %s' "$k" "${train_json[$k]}"; done
  printf '\n  },\n'
  printf '  "throughput": %s,\n' "$speed_json"
  printf '  "failures": %d,\n' "$failures"
  printf '  "seconds": %d\n' "$(elapsed)"
  printf '}\n'
} > "$json"

if [[ -n "$out_dir" ]]; then
  mkdir -p "$out_dir/gpu-check-logs"
  cp "$txt" "$json" "$out_dir/"
  cp -r "$logs"/. "$out_dir/gpu-check-logs/" 2>/dev/null
  for f in "$results_dir"/*.md "$results_dir"/*.png; do   # JMH results of this run, if any
    [[ -f "$f" && "$f" -nt "$work/started" ]] && cp "$f" "$out_dir/"
  done
  for f in "$results_dir"/*.json; do
    [[ -f "$f" && "$f" != "$json" && "$f" -nt "$work/started" ]] && cp "$f" "$out_dir/"
  done
  echo "copied the results and logs to $out_dir"
fi
(( failures == 0 ))
