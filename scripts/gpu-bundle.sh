#!/usr/bin/env bash
# Packs everything the GPU check needs on a Linux x86_64 machine with an NVIDIA GPU and its driver, but no Java, no
# Maven and no network, into one folder of at most 30 MB (with the repository's tracked files, also at most 30 MB,
# TrackedFilesSizeTest, it fits the 64 MiB such a machine receives):
#
#   gpu-check.sh          the wrapper (run it there: bash gpu-bundle/gpu-check.sh --out DIR); it unpacks the payload
#                         beside itself once and starts liftnet.gpucheck.GpuCheck on the bundled runtime
#   payload.tar.xz        everything else, xz-compressed (the runtime alone: 68 MB unpacked, 14 MB packed):
#     runtime/              a jlink Java runtime (java.base, jdk.incubator.vector, jdk.unsupported, java.logging,
#                           jdk.zipfs, java.xml; + java.management with --jmh)
#     lib/liftnet.jar       the shaded application jar, with the nvcc-built PTX in two flavours: liftnet/ptx/*.ptx (the
#                           ISA of the nvcc that built it) and liftnet/ptx/compat/*.ptx (ISA 7.8, for older drivers)
#     lib/liftnet-tests.jar the test classes and resources (the check itself, contract and parity tests, Throughput)
#     lib/junit/*.jar       JUnit Jupiter and the JUnit Platform Launcher, as the pom names them
#     lib/ptx.txt           the PTX ISAs and the CUDA drivers they need
#     lib/benchmarks.jar    the JMH benchmarks, only with --jmh
#     data/mnist/           MNIST's test set and the first 10,000 training samples (DataSets.MNIST_TRAIN_SUBSET: IDX
#                           files whose count says 10,000, checked by their own SHA-256), not all 60,000
#     gpu-variants.sh, gpu-peer.sh, pytorch_peer.py, kernels/   the variant and PyTorch-peer scripts, the kernel sources
#   BUNDLE.txt            what was packed: commit, JDK, modules, sizes (a copy is in the payload)
#
# Usage: scripts/gpu-bundle.sh [DIR] [--no-build] [--offline] [--jmh]
#   DIR         default gpu-bundle/ in the project root (git-ignored); a previous bundle there is replaced
#   --no-build  use target/ as it is (default: mvn -q -B -f core.xml package -DskipTests, which also compiles the
#               tests; each Maven build runs offline first and goes online only for what is missing)
#   --offline   never let Maven use the network
#   --jmh       also pack the JMH benchmarks (bench/; about 5 MB more), for gpu-check.sh --jmh
# Environment: LIFTNET_JDK (a JDK folder with jlink), LIFTNET_BUNDLE_LIMIT (bytes; default 30000000).
#
# Needs a JDK >= 17 with jlink (jmods, or a JDK 24+ runtime image that can be linked, such as Temurin 25), Maven,
# nvcc on the PATH (the CUDA engine needs the PTX on a machine without the CUDA toolkit), xz, tar, strip (optional).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "gpu-bundle: $*" >&2; }
die() { say "error: $*"; exit 1; }

dir=""
build=1
online=1
jmh=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --offline) online=0; shift ;;
    --online) shift ;;   # the default now; kept for old command lines
    --jmh) jmh=1; shift ;;
    -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (try --help)" ;;
    *) [[ -z "$dir" ]] || die "only one DIR, found '$dir' and '$1'"; dir="$1"; shift ;;
  esac
done
dir="${dir:-$root/gpu-bundle}"
limit="${LIFTNET_BUNDLE_LIMIT:-30000000}"

# ---- JDK with jlink -------------------------------------------------------------------------------------------
java_major() { # JAVA -> major version, or 0
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -n 1)"
  echo "${v:-0}"
}
jdk=""
candidates=()
[[ -n "${LIFTNET_JDK:-}" ]] && candidates+=("$LIFTNET_JDK")
for d in /usr/lib/jvm/temurin-25*; do [[ -d "$d" ]] && candidates+=("$d"); done
[[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
if command -v javac >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"); fi
for d in /usr/lib/jvm/*; do [[ -d "$d" ]] && candidates+=("$d"); done
for d in "${candidates[@]}"; do
  if [[ -x "$d/bin/jlink" && -x "$d/bin/java" && "$(java_major "$d/bin/java")" -ge 17 ]]; then jdk="$d"; break; fi
done
[[ -n "$jdk" ]] || die "no JDK >= 17 with jlink found (looked at \$LIFTNET_JDK, /usr/lib/jvm/temurin-25*, \$JAVA_HOME, javac on PATH, /usr/lib/jvm/*); install one or set LIFTNET_JDK"
jdk_major="$(java_major "$jdk/bin/java")"
say "JDK: $jdk (Java $jdk_major)"

# ---- build ----------------------------------------------------------------------------------------------------
cd "$root"
# mvn_build WHAT ARGS...: Maven offline (what ~/.m2 holds), then, where that fails and --offline was not given,
# online for what is missing
mvn_build() {
  local what="$1"; shift
  say "building $what: mvn -o -q -B $*"
  mvn -o -q -B -Dstyle.color=never "$@" > "$work_build/mvn.log" 2>&1 && return 0
  if [[ $online == 1 ]]; then
    say "offline build failed ($(sed 's/\x1b\[[0-9;]*m//g' "$work_build/mvn.log" | grep -m 1 -E 'ERROR|Could not' | cut -c1-200)); again online"
    mvn -q -B -Dstyle.color=never "$@" >&2 && return 0
  else
    cat "$work_build/mvn.log" >&2
  fi
  return 1
}
work_build="$(mktemp -d "${TMPDIR:-/tmp}/gpu-bundle-build.XXXXXX")"
trap 'rm -rf "$work_build"' EXIT
if [[ $build == 1 ]]; then
  mvn_build "the application jar with PTX and the test classes" -f core.xml package -DskipTests || die "the Maven build failed (above)"
fi
jar="$root/target/liftnet.jar"
[[ -f "$jar" ]] || die "$jar is missing; run without --no-build"
[[ -d "$root/target/test-classes/liftnet/gpucheck" ]] || die "target/test-classes is missing or stale; run without --no-build"
ptx="$("$jdk/bin/jar" --list --file "$jar" | grep -c '^liftnet/ptx/[^/]*\.ptx$' || true)"
[[ "$ptx" -gt 0 ]] || die "$jar holds no PTX (liftnet/ptx/*.ptx): nvcc was not on the PATH when it was built; put nvcc on the PATH and rebuild (the GPU machine has no CUDA toolkit to compile the kernels)"

bench_jar=""
if [[ $jmh == 1 ]]; then
  [[ -f "$root/bench/pom.xml" ]] || die "--jmh: no bench/ in this checkout"
  if [[ $build == 1 && -f "$root/bench/reactor.xml" ]]; then
    mvn_build "the JMH benchmarks" -f bench/reactor.xml -DskipTests package || die "the benchmark build failed"
  fi
  bench_jar="$root/bench/target/benchmarks.jar"
  [[ -f "$bench_jar" ]] || die "--jmh: $bench_jar is missing; run without --no-build"
fi

# ---- JUnit: Jupiter and the Platform Launcher, the test-scoped jars of the pom -------------------------------------
classpath="$work_build/test-classpath.txt"
mvn_build "the test class path" -f core.xml dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath" \
  || die "Maven could not list the test class path (above)"
junit_jars=()
for f in $(tr ':' ' ' < "$classpath"); do
  case "$f" in */org/junit/*|*/org/opentest4j/*|*/org/apiguardian/*) junit_jars+=("$f") ;; esac
done
[[ ${#junit_jars[@]} -gt 0 ]] || die "no JUnit jars on the test class path ($classpath)"

# ---- fresh bundle folder --------------------------------------------------------------------------------------
if [[ -e "$dir" ]]; then
  if [[ -f "$dir/BUNDLE.txt" || -z "$(ls -A "$dir" 2>/dev/null)" ]]; then
    rm -rf "$dir"
  else
    die "$dir exists and is not a gpu bundle (no BUNDLE.txt); remove it or pass another DIR"
  fi
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
echo "liftnet GPU bundle (incomplete: its build stopped)" > "$dir/BUNDLE.txt"   # marks the folder as ours to replace
work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-bundle.XXXXXX")"
trap 'rm -rf "$work" "$work_build"' EXIT
stage="$work/payload"   # becomes payload.tar.xz
mkdir -p "$stage/lib/junit" "$stage/data/mnist" "$stage/kernels"

# ---- Java runtime ---------------------------------------------------------------------------------------------
# The modules, from jdeps (jdeps --print-module-deps on liftnet.jar, the test classes and the launcher):
# java.base; jdk.incubator.vector (CPU engine); jdk.unsupported (LWJGL's Unsafe, sun.misc.Signal for Ctrl-C);
# java.logging (JLine, under the progress bar); jdk.zipfs (the JUnit launcher's package scan opens jars as file
# systems: without it --select-package finds no test in a jar); java.xml (the launcher's XML reports, from which
# gpu-check.sh learns which test classes failed). Left out on purpose: java.desktop (only XChart and the
# report/filters commands draw images), java.sql (Gson's optional java.sql adapters), java.compiler
# (annotations only). The JMH jar adds java.management.
modules="java.base,jdk.incubator.vector,jdk.unsupported,java.logging,jdk.zipfs,java.xml"
[[ -n "$bench_jar" ]] && modules="$modules,java.management"   # JMH
modules="${LIFTNET_JLINK_MODULES:-$modules}"
module_path=()
[[ -d "$jdk/jmods" ]] && module_path=(--module-path "$jdk/jmods")
# No compression inside the image: xz over the whole payload packs it smaller (14 MB; gzip 21 MB, zip-9 inside 22 MB).
compress="zip-0"
[[ "$jdk_major" -lt 21 ]] && compress="0"
# Default JVM options baked into the image (silent, unlike JDK_JAVA_OPTIONS): LWJGL loads native code and uses
# sun.misc.Unsafe, which JDK 22+ and 24+ warn about on stderr; a test that runs a child JVM expects one line of output.
jvm_defaults=""
(( jdk_major >= 22 )) && jvm_defaults="--enable-native-access=ALL-UNNAMED"
(( jdk_major >= 24 )) && jvm_defaults="$jvm_defaults --sun-misc-unsafe-memory-access=allow"
add_options=()
[[ -n "$jvm_defaults" ]] && add_options=("--add-options=$jvm_defaults")
say "jlink: $modules${jvm_defaults:+ (default options: $jvm_defaults)}"
"$jdk/bin/jlink" "${module_path[@]}" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress "$compress" "${add_options[@]}" --output "$stage/runtime" 2>&1 | grep -v '^WARNING: Using incubator modules' >&2 || true
[[ -x "$stage/runtime/bin/java" ]] || die "jlink failed (above); a JDK without jmods must be 24+ and built with --enable-linkable-runtime (Temurin 25 is)"
if command -v strip >/dev/null; then
  # jlink from a run-time image keeps the symbol tables of the native libraries (libjvm.so: 29 MB -> 25 MB)
  find "$stage/runtime" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || say "warning: strip failed; the runtime stays larger"
fi
rm -rf "$stage/runtime/legal/"*/ASSEMBLY_EXCEPTION 2>/dev/null || true
"$stage/runtime/bin/java" -version >/dev/null 2>&1 || die "the linked runtime does not start"
runtime_version="$("$stage/runtime/bin/java" -version 2>&1 | head -n 1)"

# ---- PTX: which drivers it needs ------------------------------------------------------------------------------
# nvcc writes the PTX ISA of its own release (CUDA 13.0: ISA 9.0), and a driver loads only the ISA versions it
# knows. The jar holds a second flavour declaring ISA 7.8 (liftnet/ptx/compat/, checked by ptxas at build time),
# which the CUDA engine loads when the driver refuses the first.
isa_to_cuda() { # ISA -> the first CUDA release that reads it, or "unknown"
  case "$1" in
    7.8) echo 11.8 ;; 8.0) echo 12.0 ;; 8.1) echo 12.1 ;; 8.2) echo 12.2 ;; 8.3) echo 12.3 ;; 8.4) echo 12.4 ;;
    8.5) echo 12.5 ;; 8.6) echo 12.7 ;; 8.7) echo 12.8 ;; 8.8) echo 12.9 ;; 9.0) echo 13.0 ;; 9.1) echo 13.1 ;;
    *) echo unknown ;;
  esac
}
ptx_dir="$work/ptx"
mkdir -p "$ptx_dir"
(cd "$ptx_dir" && "$jdk/bin/jar" --extract --file "$jar" liftnet/ptx)
ptx_isa="$(sed -n 's/^\.version \([0-9.]*\)$/\1/p' "$ptx_dir"/liftnet/ptx/*.ptx | sort -V | tail -n 1)"
ptx_cuda="$(isa_to_cuda "$ptx_isa")"
compat_count="$(ls "$ptx_dir"/liftnet/ptx/compat/*.ptx 2>/dev/null | wc -l)"
(( compat_count == ptx )) || die "$jar holds $ptx native PTX modules but $compat_count under liftnet/ptx/compat/; rebuild (mvn package)"
compat_isa="$(sed -n 's/^\.version \([0-9.]*\)$/\1/p' "$ptx_dir"/liftnet/ptx/compat/*.ptx | sort -V | tail -n 1)"
compat_cuda="$(isa_to_cuda "$compat_isa")"
compat_note="liftnet/ptx/compat/: ISA $compat_isa (CUDA $compat_cuda+)"
say "PTX: ISA $ptx_isa, needs a CUDA $ptx_cuda driver; older drivers: $compat_note"

# ---- jars, kernels, data, scripts ------------------------------------------------------------------------------
cp "$jar" "$stage/lib/liftnet.jar"
cp "${junit_jars[@]}" "$stage/lib/junit/"
"$jdk/bin/jar" --create --file "$stage/lib/liftnet-tests.jar" -C "$root/target/test-classes" .
printf 'isa=%s\ncuda=%s\ncompat_isa=%s\ncompat_cuda=%s\n' "$ptx_isa" "$ptx_cuda" "$compat_isa" "$compat_cuda" > "$stage/lib/ptx.txt"
[[ -n "$bench_jar" ]] && cp "$bench_jar" "$stage/lib/benchmarks.jar"
cp "$root"/kernels/* "$stage/kernels/"
cp "$root/scripts/gpu-variants.sh" "$root/scripts/gpu-peer.sh" "$root/bench/pytorch_peer.py" "$stage/"
cp "$root/scripts/gpu-check.sh" "$dir/"
chmod +x "$dir/gpu-check.sh" "$stage/gpu-variants.sh" "$stage/gpu-peer.sh"
"$stage/runtime/bin/java" -cp "$stage/lib/liftnet.jar:$stage/lib/liftnet-tests.jar:$(printf '%s:' "$stage"/lib/junit/*.jar)" \
  liftnet.gpucheck.GpuCheck --help > /dev/null || die "the bundled runtime cannot start the check (liftnet.gpucheck.GpuCheck --help)"

# MNIST: the test set whole, the training set's first 10,000 samples (DataSets.MNIST_TRAIN_SUBSET) with their count
# written into the IDX header; plain files (xz packs them better than gzip)
n=10000
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [[ -f "$root/data/mnist/$f" ]]; then cp "$root/data/mnist/$f" "$work/$f"
  elif [[ -f "$root/data/mnist/$f.gz" ]]; then gzip -dc "$root/data/mnist/$f.gz" > "$work/$f"
  else die "data/mnist/$f is missing; run scripts/fetch-data.sh mnist"
  fi
done
mv "$work"/t10k-* "$stage/data/mnist/"
count_bytes() { printf "$(printf '\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
subset() { # NAME HEADER_BYTES SAMPLE_BYTES: the magic, the count n, the rest of the header, the first n samples
  { head -c 4 "$work/$1"; count_bytes $n; dd if="$work/$1" iflag=skip_bytes,count_bytes skip=8 count=$(($2 - 8 + n * $3)) bs=1M status=none; } \
    > "$stage/data/mnist/$1"
}
subset train-images-idx3-ubyte 16 784
subset train-labels-idx1-ubyte 8 1
(( $(stat -c %s "$stage/data/mnist/train-images-idx3-ubyte") == 16 + n * 784 )) || die "the MNIST training subset came out short"
data_note="MNIST: the test set, the first $n training samples"

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | head -c 1)"
{
  echo "liftnet GPU bundle"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n) from commit $commit${dirty:+ (with uncommitted changes)}"
  echo "runtime: $runtime_version; jlink modules: $modules${jvm_defaults:+; default options $jvm_defaults} (from $jdk)"
  echo "junit: $(cd "$stage/lib/junit" && ls | paste -sd ' ')"
  echo "ptx: $ptx modules in lib/liftnet.jar, ISA $ptx_isa (needs a CUDA $ptx_cuda driver); for older drivers: $compat_note"
  echo "jmh: $([[ -n "$bench_jar" ]] && echo lib/benchmarks.jar || echo "not bundled (gpu-bundle.sh --jmh)")"
  echo "data: $data_note"
  echo "run: bash gpu-check.sh --out DIR (about 5 minutes on an H100 machine; --help for more)"
  echo
  echo "payload.tar.xz, unpacked (bytes):"
  (cd "$stage" && find . -path ./runtime -prune -o -type f -print | sort | while read -r f; do printf '%10d  %s\n' "$(stat -c %s "$f")" "${f#./}"; done)
  printf '%10d  runtime/ (%d files)\n' "$(du -sb "$stage/runtime" | cut -f1)" "$(find "$stage/runtime" -type f | wc -l)"
} > "$stage/BUNDLE.txt"
say "packing payload.tar.xz (xz -9: a minute or more)"
tar -C "$stage" -cf - . | xz -9 -T0 > "$dir/payload.tar.xz"
cp "$stage/BUNDLE.txt" "$dir/BUNDLE.txt"
size_of() { du -sb "$@" | awk '{s += $1} END {print s}'; }
total="$(size_of "$dir")"
{ echo; echo "bundle files (bytes):"; (cd "$dir" && for f in gpu-check.sh payload.tar.xz; do printf '%10d  %s\n' "$(stat -c %s "$f")" "$f"; done); echo "total: $total bytes"; } >> "$dir/BUNDLE.txt"
sed -n '/^payload.tar.xz, unpacked/,$p' "$dir/BUNDLE.txt" >&2
say "bundle: $dir, $total bytes ($(awk -v b="$total" 'BEGIN {printf "%.1f MB, %.1f MiB", b / 1e6, b / 1048576}'))"
if (( total > limit )); then
  die "the bundle is over the limit of $limit bytes"
fi
