#!/usr/bin/env python3
"""Summarises the conv results of scripts/conv-results.sh: one row per data set and method with the mean +- std
(sample) of the final test and train accuracy over the seeds, the epochs each run has done, the mean sweeps per
phase of the last epoch, the linear fraction per hidden layer and the update rule. Reads
DIR/<dataset>/<method>/runs/*/metrics.jsonl (DIR/attempts is left out: pass an attempt's folder as DIR to see it);
prints Markdown on stdout (the tables of results/conv/README.md).

usage: scripts/conv-table.py [DIR]   (default: results/conv beside this script's folder)
"""
import json
import pathlib
import statistics
import sys

root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "results" / "conv"


def runs(folder):
    for metrics in sorted(folder.glob("runs/*/metrics.jsonl")):
        lines = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
        config = json.loads((metrics.parent / "config.json").read_text())
        if lines:
            yield metrics.parent.name, config, lines


def mean_std(values):
    if len(values) < 2:
        return f"{100 * values[0]:.2f}" if values else "-"
    return f"{100 * statistics.mean(values):.2f} ± {100 * statistics.stdev(values):.2f}"


def settings(config):
    rule = f"{config['optimizer']} {config['lr']:g}"
    if config.get("schedule", "constant") != "constant":
        rule += f" {config['schedule']}"
    if config.get("tol"):
        rule += f", tol {config['tol']:g}"
    if config["method"] != "backprop" and config["gamma"] != 0.125:
        rule += f", gamma 1/{round(1 / config['gamma'])}"
    return rule


print("| data set | method | update rule | runs | epochs done | test acc % | train acc % | sweeps (last epoch)"
      " | linear fraction % per hidden layer |")
print("|---|---|---|---:|---|---:|---:|---:|---|")
for dataset_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "attempts"):
    for method_dir in sorted(p for p in dataset_dir.iterdir() if p.is_dir()):
        found = list(runs(method_dir))
        if not found:
            continue
        last = [lines[-1] for _, _, lines in found]
        epochs = ", ".join(f"{name}: {len(lines)}/{config['epochs']}" for name, config, lines in found)
        fractions = [statistics.mean(r["linear_fraction"][k] for r in last) for k in range(len(last[0]["linear_fraction"]))]
        sweeps = statistics.mean(r.get("mean_sweeps") or 0 for r in last)
        rules = ", ".join(sorted({settings(config) for _, config, _ in found}))
        # --train-eval N skips the training accuracy in some epochs (null); an unfinished run shows its latest measured one
        train = [next((r["train_acc"] for r in reversed(lines) if r.get("train_acc") is not None), None)
                 for _, _, lines in found]
        print(f"| {dataset_dir.name} | {method_dir.name} | {rules} | {len(found)} | {epochs} | {mean_std([r['test_acc'] for r in last])}"
              f" | {mean_std([t for t in train if t is not None])} | {sweeps:.2f} | {' '.join(f'{100 * f:.1f}' for f in fractions)} |")
