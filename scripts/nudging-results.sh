#!/usr/bin/env bash
# Symmetric nudging on the conv net of results/conv (issue 29): Fashion-MNIST pilots over beta and gamma, then the chosen
# symmetric setting and the one-sided estimate at the same beta over 3 seeds, plus one MNIST seed; results/nudging/.
# Every run is an ordinary ./run.sh sweep run (CPU engine, batch 50, contrastive, squared soft clamp), so the campaign is
# resumable: rerunning the same command skips finished runs and resumes unfinished ones from their last epoch. A run whose
# negative phase stops being convex ends with its error line in its log (logs/<id>.log) and counts as failed; the others
# go on.
#
# Settings (as results/conv's contrastive rows, scripts/conv-results.sh, but the soft clamp):
#   --output-loss squared --clamp-weight BETA with BETA = R g, g = gamma^(L-1) = gamma^3 (R: --betas, fractions of g; the
#   convexity bound of the trained conv models is about 0.2 g at gamma 1/8, ./run.sh gradients);
#   --lr 0.05 / R: both nudges estimate beta times the loss gradient, and the contrastive rate is eta_BP / g, so eta_BP =
#   0.05 g / beta steps like back-propagation at 0.05 (docs/nudging.md); cosine schedule; --tol 1e-12 (at most 15
#   sweeps); --train-eval 5 (--train-eval N: 0 measures the training accuracy after the last epoch only, which saves
#   about a fifth of a 30-epoch run's time on Fashion-MNIST).
#
# Stages (--stage, default all, in this order):
#   pilots   Fashion-MNIST, seed 1, --pilot-epochs (8) epochs, every gamma of --gammas x R of --betas, symmetric and
#            one-sided: results/nudging/pilots/<nudge>-g<gamma>-r<R>/
#   final    Fashion-MNIST, seeds 1-3, --epochs (30) epochs, the chosen gamma and R (--choose, else the symmetric pilot with
#            the best final test accuracy), symmetric and one-sided: results/nudging/fashion-mnist/<nudge>/
#   mnist    MNIST, seed 1, --epochs epochs, the chosen symmetric setting: results/nudging/mnist/symmetric/
#   summary  results/nudging/summary.json (one row per data set, method, nudge, gamma, beta: beta / g, mean, std, the
#            seeds finished and the runs started, epochs) and summary.md, from every sweep.json below --out
#
# Cost, from results/conv's one-sided runs (about 120-140 s per Fashion-MNIST epoch on one thread after the first, two
# phases) and a third phase for the symmetric ones (about 1.5 times): pilots 8 runs x 8 epochs, about 3 core-hours;
# final 6 runs x 30 epochs, about 8.5; MNIST 1 x 30, about 1.7; with --parallel 2 about 7 hours on 2 cores. The
# convexity bound of the trained conv models is about 0.2 g at gamma 1/8, so R = 0.2 would likely stop mid-run; it is
# not among the default --betas.
#
# usage: scripts/nudging-results.sh [--stage all|pilots|final|mnist|summary] [--gammas 0.125,0.0625] [--betas 0.05,0.1]
#          [--pilot-epochs 8] [--epochs 30] [--seeds 1,2,3] [--choose GAMMA,R] [--parallel 2] [--limit N] [--out DIR]
#          [--pilot-nudges symmetric,one-sided] [--final-nudges symmetric,one-sided] [--train-eval 5]
# The final stage's nudges run one after the other; to keep both cores busy, run them side by side as two invocations
# (--final-nudges symmetric and --final-nudges one-sided, the same --out), as the pilots' gammas.
# Pilots run one seed on one thread each: on 2 cores, run the two gammas' pilots side by side (two invocations with
# --gammas 0.125 and --gammas 0.0625, the same --out).
# A short trial that proves the script (about a minute): scripts/nudging-results.sh --stage pilots --gammas 0.125
#   --betas 0.1 --pilot-epochs 1 --limit 500 --out /tmp/nudging-trial && scripts/nudging-results.sh --stage summary
#   --out /tmp/nudging-trial
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stage=all
gammas=0.125,0.0625
betas=0.05,0.1
pilot_epochs=8
epochs=30
seeds=1,2,3
choose=""
parallel=2
limit=0
net=1x28x28-c16k5s2-c32k3s2-64-10
out="$root/results/nudging"
pilot_nudges=symmetric,one-sided
final_nudges=symmetric,one-sided
train_eval=5

die() { echo "nudging-results: error: $*" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || die "$1 needs a value; see the usage line at the top of $0"
  case "$1" in
    --stage) stage="$2" ;;
    --gammas) gammas="$2" ;;
    --betas) betas="$2" ;;
    --pilot-epochs) pilot_epochs="$2" ;;
    --epochs) epochs="$2" ;;
    --seeds) seeds="$2" ;;
    --choose) choose="$2" ;;
    --parallel) parallel="$2" ;;
    --limit) limit="$2" ;;
    --out) out="$2" ;;
    --pilot-nudges) pilot_nudges="$2" ;;
    --final-nudges) final_nudges="$2" ;;
    --train-eval) train_eval="$2" ;;
    *) die "unknown option $1; options: --stage --gammas --betas --pilot-epochs --epochs --seeds --choose --parallel --limit --out --pilot-nudges --final-nudges --train-eval" ;;
  esac
  shift 2
done
case "$stage" in all|pilots|final|mnist|summary) ;; *) die "--stage $stage: expected all, pilots, final, mnist or summary" ;; esac

layers=$(( $(tr -cd '-' <<< "$net" | wc -c) ))   # weight layers L: one per '-'
# beta = R gamma^(L-1) and eta_BP = 0.05 / R, printed with enough digits to be exact in the run's config.json
beta_of() { python3 -c "import sys; print(repr(float(sys.argv[2]) * float(sys.argv[1]) ** ($layers - 1)))" "$1" "$2"; }
lr_of() { python3 -c "import sys; print(repr(0.05 / float(sys.argv[1])))" "$1"; }

failed=0
# run DATASET NUDGE GAMMA R EPOCHS SEEDS DIR
run() {
  local dataset=$1 nudge=$2 gamma=$3 ratio=$4 n=$5 s=$6 dir=$7
  local beta lr
  beta=$(beta_of "$gamma" "$ratio")
  lr=$(lr_of "$ratio")
  echo "nudging-results: $dataset $nudge gamma $gamma beta $beta (${ratio} g) lr $lr, seeds $s, $n epochs -> $dir" >&2
  "$root/run.sh" sweep --device cpu --dataset "$dataset" --net "$net" --units relu --method contrastive \
    --output-loss squared --clamp-weight "$beta" --nudge "$nudge" --gamma "$gamma" --lr "$lr" --schedule cosine \
    --tol 1e-12 --train-eval "$train_eval" --limit "$limit" --epochs "$n" --seeds "$s" --threads 1 --parallel "$parallel" \
    --out "$dir" \
    || { echo "nudging-results: $dir did not finish (a failed run's log says why; rerun to resume)" >&2; failed=$((failed + 1)); }
}

IFS=, read -r -a gamma_list <<< "$gammas"
IFS=, read -r -a beta_list <<< "$betas"
IFS=, read -r -a pilot_nudge_list <<< "$pilot_nudges"
IFS=, read -r -a final_nudge_list <<< "$final_nudges"

if [[ $stage == all || $stage == pilots ]]; then
  for gamma in "${gamma_list[@]}"; do
    for ratio in "${beta_list[@]}"; do
      for nudge in "${pilot_nudge_list[@]}"; do
        run fashion-mnist "$nudge" "$gamma" "$ratio" "$pilot_epochs" 1 "$out/pilots/$nudge-g$gamma-r$ratio"
      done
    done
  done
fi

# The chosen GAMMA,R: --choose, else the symmetric pilot whose final test accuracy is highest.
chosen() {
  if [[ -n $choose ]]; then
    echo "$choose"
    return
  fi
  python3 - "$out/pilots" <<'EOF'
import json, pathlib, sys
best = None
for f in sorted(pathlib.Path(sys.argv[1]).glob("symmetric-g*-r*/sweep.json")):
    name = f.parent.name  # symmetric-g<gamma>-r<R>
    gamma, ratio = name[len("symmetric-g"):].split("-r")
    for run in json.loads(f.read_text())["runs"]:
        acc = run.get("test_acc")
        if run.get("status") == "finished" and acc is not None and (best is None or acc > best[0]):
            best = (acc, gamma, ratio)
if best is None:
    sys.exit("nudging-results: error: no finished symmetric pilot under " + sys.argv[1] + "; run --stage pilots or pass --choose GAMMA,R")
print(best[1] + "," + best[2])
EOF
}

if [[ $stage == all || $stage == final || $stage == mnist ]]; then
  pick=$(chosen)
  gamma=${pick%,*}
  ratio=${pick#*,}
  echo "nudging-results: chosen setting gamma $gamma, beta $ratio g" >&2
  if [[ $stage == all || $stage == final ]]; then
    for nudge in "${final_nudge_list[@]}"; do
      run fashion-mnist "$nudge" "$gamma" "$ratio" "$epochs" "$seeds" "$out/fashion-mnist/$nudge"
    done
  fi
  if [[ $stage == all || $stage == mnist ]]; then
    run mnist symmetric "$gamma" "$ratio" "$epochs" 1 "$out/mnist/symmetric"
  fi
fi

if [[ $stage == all || $stage == summary ]]; then
  python3 - "$out" "$layers" <<'EOF'
import json, pathlib, statistics, sys
out = pathlib.Path(sys.argv[1])
layers = int(sys.argv[2])
rows = []
for f in sorted(out.rglob("sweep.json")):
    groups = {}
    for r in json.loads(f.read_text())["runs"]:
        key = (r["dataset"], r["method"], r.get("nudge", "one-sided"), r["gamma"], r.get("clamp_weight"))
        groups.setdefault(key, []).append(r)
    for (dataset, method, nudge, gamma, beta), every in sorted(groups.items(), key=str):
        rs = [r for r in every if r.get("status") == "finished" and r.get("test_acc") is not None]
        if not rs:
            continue
        acc = [100 * r["test_acc"] for r in rs]
        rows.append({"dataset": dataset, "method": method, "nudge": nudge, "gamma": gamma, "beta": beta,
                     "beta_over_g": round(beta / gamma ** (layers - 1), 6), "folder": str(f.parent.relative_to(out)),
                     "mean": round(statistics.mean(acc), 6), "std": round(statistics.stdev(acc), 6) if len(acc) > 1 else 0.0,
                     "seeds": sorted(r["seed"] for r in rs), "runs": len(every),
                     "epochs": max(r["epochs_done"] for r in rs)})
(out / "summary.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")
lines = ["| data set | nudge | gamma | beta | beta / g | test accuracy % (mean ± std) | seeds finished | epochs | folder |",
         "|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    lines.append(f"| {r['dataset']} | {r['nudge']} | {r['gamma']} | {r['beta']:.4g} | {r['beta_over_g']:g} | {r['mean']:.2f} ± {r['std']:.2f} | "
                 f"{','.join(map(str, r['seeds']))} ({len(r['seeds'])} of {r['runs']} runs) | {r['epochs']} | {r['folder']} |")
(out / "summary.md").write_text("\n".join(lines) + "\n")
print(f"nudging-results: {len(rows)} rows in {out / 'summary.json'} and summary.md", file=sys.stderr)
EOF
fi
exit $((failed > 0 ? 1 : 0))
