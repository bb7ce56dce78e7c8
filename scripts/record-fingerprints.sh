#!/usr/bin/env bash
# Records the fingerprints FingerprintTest checks (src/test/resources/fingerprints/lanes-N/NET.txt) from the pinned
# commit of each net, for this machine's Vector API lane count N (FloatVector.SPECIES_PREFERRED): checks the commit
# out into a temporary worktree, copies this checkout's src/test/java/liftnet/fingerprint/ into it, builds it there
# (offline) and runs liftnet.fingerprint.FingerprintRecorder, which trains every case of the grid for 3 steps and
# writes the SHA-256 of each parameter tensor into this checkout.
#
# usage: scripts/record-fingerprints.sh [--lanes N] [--commit REV] [dense] [conv]
#   (no net named: both)  --commit REV  record from REV instead of the pinned commit below (then pin REV here)
#   --lanes N   record for N lanes on a machine with more (-XX:MaxVectorSize=4N), e.g. 8 (AVX2) on AVX-512
# Environment: JAVA (default: java on PATH).
#
# The pinned commits: dense fingerprints never change; the conv ones may change once, when the conv operator is
# rewritten, and then CONV_COMMIT names the commit they were taken from (the reason is in the file's header).
set -euo pipefail
DENSE_COMMIT=9705320
CONV_COMMIT=fdc7742

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
java="${JAVA:-java}"
jvm=(--add-modules jdk.incubator.vector)
override=""
nets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lanes) jvm+=("-XX:MaxVectorSize=$((4 * ${2:?--lanes needs a number, e.g. 8}))"); shift 2 ;;
    --commit) override="${2:?--commit needs a revision, e.g. HEAD}"; shift 2 ;;
    dense|conv) nets+=("$1"); shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument $1; usage: scripts/record-fingerprints.sh [--lanes N] [--commit REV] [dense] [conv]" >&2
       exit 2 ;;
  esac
done
[[ ${#nets[@]} -gt 0 ]] || nets=(dense conv)

work="$(mktemp -d "${TMPDIR:-/tmp}/liftnet-fingerprints.XXXXXX")"
trees=()
cleanup() {
  for t in "${trees[@]}"; do git -C "$root" worktree remove --force "$t" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for net in "${nets[@]}"; do
  if [[ -n "$override" ]]; then rev="$override"; elif [[ "$net" == dense ]]; then rev="$DENSE_COMMIT"; else rev="$CONV_COMMIT"; fi
  commit="$(git -C "$root" rev-parse --short=7 "$rev^{commit}")"
  tree="$work/$commit"
  if [[ ! -d "$tree" ]]; then
    git -C "$root" worktree add --detach "$tree" "$commit" >/dev/null 2>&1
    trees+=("$tree")
    rm -rf "$tree/src/test/java/liftnet/fingerprint"
    cp -r "$root/src/test/java/liftnet/fingerprint" "$tree/src/test/java/liftnet/fingerprint"
    echo "record-fingerprints: building $commit in $tree" >&2
    (cd "$tree" && mvn -B -o -q -f core.xml test-compile -Dliftnet.skipPtx=true -Dliftnet.skipFetch=true) >&2
  fi
  (cd "$tree" && "$java" "${jvm[@]}" -cp target/classes:target/test-classes liftnet.fingerprint.FingerprintRecorder \
      "$root/src/test/resources/fingerprints" "$commit" "$net" 2> >(grep -v "^WARNING: Using incubator modules" >&2))
done
