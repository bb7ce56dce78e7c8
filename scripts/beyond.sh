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
# with the energy stop --tol 1e-9, on the first --limit (default 5000) samples of each set.
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
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
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
    echo "beyond: scoring $name against $set/$split" >&2
    ./run.sh score --device cpu --threads "$threads" --model "results/runs/$folder/model.safetensors" \
      --dataset "$dataset" --ood "$set" --ood-split "$split" --limit "$limit" --sweeps 15 --tol 1e-9 "${plot[@]}" > "$file.part"
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

# ---- 3. the report ---------------------------------------------------------------------------------------
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
         " red-black Jacobi, at most 15 sweeps with the energy stop at 1e-9, first %d samples of each set."
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
        cfg.get("output_loss", "squared"), cfg.get("clamp_weight", "inf"), len(m), cfg["epochs"], m[-1]["test_acc"],
        best["test_acc"], best["epoch"], m[-1]["train_acc"], secs[len(secs) // 2]))
lines.append("")
with open(os.path.join(out, "REPORT.md.part"), "w") as f:
    f.write("\n".join(lines))
os.replace(os.path.join(out, "REPORT.md.part"), os.path.join(out, "REPORT.md"))
PY
echo "beyond: wrote $out/REPORT.md" >&2
