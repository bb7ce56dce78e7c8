#!/usr/bin/env bash
# Beyond the paper (issue 14): energy scores for out-of-distribution inputs, and soft clamping. Writes
# results/beyond/REPORT.md with
#   - AUROC tables of `score` for the committed 100-epoch models (results/runs: Table 1 MNIST ReLU contrastive,
#     lifted, backprop; Table 2 Fashion-MNIST ReLU ones) against the other data set, seeded noise and the model's
#     own training images (first 10000);
#   - the ROC figures of the contrastive models;
#   - MNIST 784-64-64-64-10 test accuracy after 20 epochs for the hard clamp, squared loss with beta = 1 and 10,
#     and cross-entropy with beta = 1 and 0.01 (run folders results/beyond/runs/soft-mnist-*).
#
#   scripts/beyond.sh [--threads N] [--epochs N] [--limit N] [--skip-training]
#
# Scoring runs 1 + 10 inferences per sample (free phase, then one clamped phase per label), 15 Jacobi sweeps at most
# with the energy stop --tol 1e-9, on the first --limit (default 5000) samples of each set; against the model's own
# training images, the whole test set (10000) and the first 10000 training images, since MNIST's test set puts its
# easier half first.
# Finished score files (results/beyond/scores/*.json) and finished runs are kept; an unfinished run is resumed.
# Training uses the CPU engine (the only one with soft clamps). Needs python3 (standard library) for the tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

threads=1
epochs=20
limit=5000
train=1
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift ;;
    --epochs) epochs=$2; shift ;;
    --limit) limit=$2; shift ;;
    --skip-training) train=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "beyond: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

out=results/beyond
mkdir -p "$out/scores" "$out/runs"

# ---- 1. scores of the committed models -------------------------------------------------------------------
# name dataset model-folder
models="mnist-contrastive mnist t1-mnist-784-64-64-64-10-relu-contrastive
mnist-lifted mnist t1-mnist-784-64-64-64-10-relu-lifted
mnist-backprop mnist t1-mnist-784-64-64-64-10-relu-backprop
fashion-contrastive fashion-mnist t2-fashion-mnist-784-64-64-64-10-relu-contrastive"

while read -r name dataset folder; do
  case "$dataset" in mnist) other=fashion-mnist ;; *) other=mnist ;; esac
  for ood in "$other:test" "noise:test" "$dataset:train"; do
    set=${ood%%:*}
    split=${ood##*:}
    file="$out/scores/$name-vs-$set-$split.json"
    [ -s "$file" ] && continue
    plot=()
    case "$name" in *-contrastive) plot=(--plot "$out/roc-$name-vs-$set-$split.png") ;; esac
    # the whole test set against as many training images: the first half of MNIST's test set is its easier half
    n=$limit
    [ "$set" = "$dataset" ] && n=10000
    echo "beyond: scoring $name against $set/$split ($n samples)" >&2
    ./run.sh score --json --device cpu --threads "$threads" --model "results/runs/$folder/model.safetensors" \
      --dataset "$dataset" --ood "$set" --ood-split "$split" --limit "$n" --sweeps 15 --tol 1e-9 "${plot[@]}" > "$file.part"
    mv "$file.part" "$file"
  done
done <<< "$models"

# ---- 2. soft-clamp training runs -------------------------------------------------------------------------
runs="soft-mnist-hard squared inf
soft-mnist-squared-beta1 squared 1
soft-mnist-squared-beta10 squared 10
soft-mnist-cross-entropy-beta1 cross-entropy 1
soft-mnist-cross-entropy-beta0.01 cross-entropy 0.01"
if [ "$train" = 1 ]; then
  while read -r name loss beta; do
    dir="$out/runs/$name"
    if [ -f "$dir/config.json" ]; then
      done_epochs=$(wc -l < "$dir/metrics.jsonl" 2>/dev/null || echo 0)
      [ "$done_epochs" -ge "$epochs" ] && continue
      ./run.sh --resume "$dir"
    else
      ./run.sh train --device cpu --threads "$threads" --net 784-64-64-64-10 --epochs "$epochs" \
        --output-loss "$loss" --clamp-weight "$beta" --out "$dir"
    fi
  done <<< "$runs"
fi

# ---- 3. finite differences of the soft-clamp gradient (bench/: mvn -B -q -f bench/reactor.xml -DskipTests package) --
if [ -f bench/target/benchmarks.jar ]; then
  "${LIFTNET_JAVA:-$(ls -d /usr/lib/jvm/temurin-25*/bin/java 2>/dev/null | head -n 1 || echo java)}" \
    --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar liftnet.research.SoftClampGradients \
    2>/dev/null > "$out/finite-differences.md.part" && mv "$out/finite-differences.md.part" "$out/finite-differences.md"
fi

# ---- 4. the report ---------------------------------------------------------------------------------------
# the JDK run.sh picks when it is there (the newest; Temurin 25 on the project's machine)
java_bin=$(ls -d /usr/lib/jvm/temurin-25*/bin/java 2>/dev/null | head -n 1 || true)
java_version=$("${java_bin:-java}" -version 2>&1 | head -n 1)
python3 - "$out" "$java_version" "$limit" <<'PY'
import json, os, sys, glob, platform
out, java, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
scores = ["free_energy", "min_clamped_energy", "clamped_gap", "max_output", "logsumexp_output"]
def load(path):
    with open(path) as f:
        return json.load(f)
lines = ["# Beyond the paper: energy scores for OOD inputs, and soft clamping", "",
         "Made by `scripts/beyond.sh` on %s, %s, %d CPUs (`nproc`), shared with other jobs. Scores: CPU engine,"
         " red-black Jacobi, at most 15 sweeps with the energy stop at 1e-9, first %d samples of each set (against the"
         " model's own training images: all 10000 test images and the first 10000 training images, because MNIST's"
         " test set holds its easier half first)."
         % (platform.node() or "this machine", java, os.cpu_count(), limit), ""]

def table(title, names, sets):
    lines.append("## " + title)
    lines.append("")
    lines.append("AUROC (OOD samples are the positives; FPR95 in brackets: share of OOD samples kept at the threshold"
                 " that keeps 95% of the in-distribution test set). In-distribution: the model's test set; `noise`: uniform"
                 " pixel noise, seed 1; the model's own training images (`train`) are no shift: AUROC should be near 0.5.")
    lines.append("")
    lines.append("| model | OOD set | " + " | ".join(scores) + " |")
    lines.append("|---|---|" + "---|" * len(scores))
    for name in names:
        for s in sets(name):
            path = os.path.join(out, "scores", "%s-vs-%s.json" % (name, s))
            if not os.path.exists(path):
                continue
            o = load(path)
            cells = ["%.3f (%.2f)" % (o["scores"][k]["auroc"], o["scores"][k]["fpr95"]) for k in scores]
            lines.append("| %s | %s (%d) | %s |" % (name, o["ood"], o["samples_ood"], " | ".join(cells)))
    lines.append("")

table("MNIST-trained models (Table 1, ReLU, 100 epochs)", ["mnist-contrastive", "mnist-lifted", "mnist-backprop"],
      lambda n: ["fashion-mnist-test", "noise-test", "mnist-train"])
table("Fashion-MNIST-trained model (Table 2, ReLU contrastive, 100 epochs)", ["fashion-contrastive"],
      lambda n: ["mnist-test", "noise-test", "fashion-mnist-train"])

notes = []
for path in sorted(glob.glob(os.path.join(out, "scores", "*-train.json"))):
    o = load(path)
    dev = max(abs(o["scores"][k]["auroc"] - 0.5) for k in scores)
    notes.append("- %s against its own training images (%s): largest |AUROC - 0.5| = %.3f." % (
        os.path.basename(path)[:-5].split("-vs-")[0], o["ood"], dev))
for path in sorted(glob.glob(os.path.join(out, "scores", "*-vs-noise-test.json"))):
    o = load(path)
    best = max(scores, key=lambda k: o["scores"][k]["auroc"])
    notes.append("- %s against noise: best score %s, AUROC %.3f (FPR95 %.2f)." % (
        os.path.basename(path)[:-5].split("-vs-")[0], best, o["scores"][best]["auroc"], o["scores"][best]["fpr95"]))
if notes:
    lines.append("Summary, computed from the tables:")
    lines.append("")
    lines.extend(notes)
    lines.append("")
lines.append("The clamped-minus-free gap is small (the top term carries gamma^3 = 1/512) and is the difference of two"
             " float32 energies of about 10, so it sits a few float roundings above zero on in-distribution inputs.")
lines.append("")
lines.append("Means of each score on the two sets (in / OOD):")
lines.append("")
lines.append("| model | OOD set | " + " | ".join(scores) + " |")
lines.append("|---|---|" + "---|" * len(scores))
for path in sorted(glob.glob(os.path.join(out, "scores", "*.json"))):
    o = load(path)
    name = os.path.basename(path)[:-5].split("-vs-")[0]
    cells = ["%.4g / %.4g" % (o["scores"][k]["mean_in"], o["scores"][k]["mean_ood"]) for k in scores]
    lines.append("| %s | %s | %s |" % (name, o["ood"], " | ".join(cells)))
lines.append("")
for png in sorted(glob.glob(os.path.join(out, "roc-*.png"))):
    lines.append("![%s](%s)" % (os.path.basename(png)[:-4], os.path.basename(png)))
    lines.append("")

lines.append("## Soft clamping: MNIST 784-64-64-64-10, contrastive, ReLU")
lines.append("")
lines.append("The clamped phase minimises E(z; x) + beta l(z_L, y); squared l = 1/2 ||z_L - y||^2 (beta = inf is the"
             " hard clamp), cross-entropy l = logsumexp(z_L) - z_L[y]. Paper settings otherwise (gamma 1/8, batch 50,"
             " eta_BP 0.05, 15 Jacobi sweeps, seed 1, same initial weights); CPU engine, 1 thread.")
lines.append("")
lines.append("| output loss | beta | epochs | test acc, last epoch | best test acc (epoch) | train acc, last epoch | s/epoch (median) |")
lines.append("|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(out, "runs", "*", "config.json"))):
    d = os.path.dirname(path)
    cfg = load(path)
    mpath = os.path.join(d, "metrics.jsonl")
    if not os.path.exists(mpath):
        continue
    with open(mpath) as f:
        m = [json.loads(l) for l in f if l.strip()]
    if not m:
        continue
    best = max(m, key=lambda x: x["test_acc"])
    secs = sorted(x["seconds"] for x in m)
    lines.append("| %s | %s | %d of %d | %.4f | %.4f (%d) | %.4f | %.1f |" % (
        "hard clamp (squared)" if str(cfg.get("clamp_weight", "inf")) == "inf" else cfg.get("output_loss", "squared"),
        cfg.get("clamp_weight", "inf"), len(m), cfg["epochs"], m[-1]["test_acc"],
        best["test_acc"], best["epoch"], m[-1]["train_acc"], secs[len(secs) // 2]))
lines.append("")
ref = os.path.join("results", "runs", "t1-mnist-784-64-64-64-10-relu-contrastive", "metrics.jsonl")
if os.path.exists(ref):
    with open(ref) as f:
        m = [json.loads(l) for l in f if l.strip()]
    if len(m) >= 20:
        lines.append("For comparison, the committed 100-epoch hard-clamp run (results/runs, 2 threads) had test accuracy"
                     " %.4f after epoch 20 and %.4f after epoch %d." % (m[19]["test_acc"], m[-1]["test_acc"], len(m)))
        lines.append("")
fd = os.path.join(out, "finite-differences.md")
if os.path.exists(fd):
    with open(fd) as f:
        rows = [l.split("|") for l in f.read().splitlines()[2:] if l.startswith("|")]
    lines.append("## Finite differences of the soft-clamp contrastive gradient")
    lines.append("")
    lines.append("`liftnet.research.SoftClampGradients` (bench/; the figures behind the contract test"
                 " `softClampGradientsMatchFiniteDifferences`, tolerance 2e-2 relative + 1e-5): net 8-6-5-4, gamma 1/2, 8 random"
                 " samples, 400 Jacobi sweeps, central differences with step 1e-2 along a random unit direction per W_k"
                 " and b_k. Largest relative error per loss and beta over 3 units x 6 parameter blocks (full table:"
                 " [finite-differences.md](finite-differences.md)):")
    lines.append("")
    lines.append("| output loss | beta | largest relative error | median relative error |")
    lines.append("|---|---|---|---|")
    groups = {}
    for r in rows:
        groups.setdefault((r[1].strip(), r[2].strip()), []).append(float(r[7]))
    for (loss, beta), errs in groups.items():
        errs.sort()
        lines.append("| %s | %s | %.1e | %.1e |" % (loss, beta, errs[-1], errs[len(errs) // 2]))
    lines.append("")
with open(os.path.join(out, "REPORT.md.part"), "w") as f:
    f.write("\n".join(lines))
os.replace(os.path.join(out, "REPORT.md.part"), os.path.join(out, "REPORT.md"))
PY
echo "beyond: wrote $out/REPORT.md" >&2
