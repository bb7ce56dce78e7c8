#!/usr/bin/env bash
# liftnet GPU check: proves that the CUDA (and NVIDIA's OpenCL) engine works on this machine and measures it against
# the CPU engine, or says exactly why it cannot. The check is the Java program liftnet.gpucheck.GpuCheck (in the test
# tree: src/test/java/liftnet/gpucheck); this wrapper only finds Java and the class path, then starts it:
#   in a bundle of scripts/gpu-bundle.sh: unpacks payload.tar.xz (Java runtime, jars, MNIST) beside itself once
#     (or under $TMPDIR where that folder is read-only), then runs the bundled runtime;
#   in a checkout (after `mvn -B -f core.xml package -DskipTests`): target/classes, target/test-classes and the test
#     class path Maven lists (cached in target/test-classpath.txt), with $LIFTNET_JAVA, Temurin 25, $JAVA_HOME or java.
# Wrapper options: --java JAVA, --cp CLASSPATH. Every other argument goes to the check; --help lists its options.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java_bin="${LIFTNET_JAVA:-}"
cp=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --java) java_bin="${2:?--java needs a path}"; shift 2 ;;
    --cp) cp="${2:?--cp needs a class path}"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
die() { echo "gpu-check: error: $*" >&2; exit 1; }

if [[ -f "$here/payload.tar.xz" ]]; then   # a bundle
  base="$here"
  [[ -w "$base" ]] || base="${TMPDIR:-/tmp}/liftnet-gpu-bundle-$(id -u)"
  if [[ ! -f "$base/.unpacked" || "$base/.unpacked" -ot "$here/payload.tar.xz" ]]; then
    mkdir -p "$base"
    if command -v xz >/dev/null; then
      tar -C "$base" -xJf "$here/payload.tar.xz" || die "cannot unpack $here/payload.tar.xz into $base"
    else   # no xz: Python's lzma reads it
      python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$here/payload.tar.xz" "$base" \
        || die "cannot unpack $here/payload.tar.xz (no xz, and python3 failed)"
    fi
    touch "$base/.unpacked"
  fi
  java_bin="${java_bin:-$base/runtime/bin/java}"
  [[ -n "$cp" ]] || cp="$(printf '%s:' "$base"/lib/*.jar "$base"/lib/junit/*.jar)"
else   # a checkout
  base="$(cd "$here/.." && pwd)"
  for c in "$java_bin" /usr/lib/jvm/temurin-25*/bin/java "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)"; do
    [[ -n "$c" && -x "$c" ]] && { java_bin="$c"; break; }
  done
  if [[ -z "$cp" ]]; then
    [[ -d "$base/target/test-classes/liftnet/gpucheck" ]] || die "no target/test-classes; run mvn -B -f core.xml package -DskipTests"
    deps="$base/target/test-classpath.txt"
    if [[ ! -s "$deps" || "$deps" -ot "$base/core.xml" ]]; then
      get=(mvn -B -q -f "$base/core.xml" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$deps")
      "${get[@]}" -o > /dev/null 2>&1 || "${get[@]}" > /dev/null || die "Maven could not list the test class path"
    fi
    cp="$base/target/classes:$base/target/test-classes:$(cat "$deps")"
  fi
fi
[[ -n "$java_bin" && -x "$java_bin" ]] || die "no Java 17+ found (--java, \$LIFTNET_JAVA, \$JAVA_HOME or java on the PATH)"
exec "$java_bin" -Dliftnet.home="$base" -cp "$cp" liftnet.gpucheck.GpuCheck "${args[@]+"${args[@]}"}"
