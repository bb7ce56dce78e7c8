#!/usr/bin/env python3
"""Markdown table of training runs: per run folder its best and final test accuracy, the epochs run, and the
first epoch whose mean test free energy exceeds 1.5 times the previous epoch's and by more than 5 (a jump), with the energies
around it.  Usage: scripts/grid-table.py LABEL=RUN_DIR ..."""
import json, sys

JUMP = 1.5  # an epoch's free energy above 1.5 x the previous one's counts as a jump
MIN_RISE = 5  # and by more than 5 (early epochs grow from energies near 1)

print("| variant | epochs | best test (epoch) | final test | free-energy jump | E_free at the end |")
print("|---|---:|---:|---:|---|---:|")
for arg in sys.argv[1:]:
    label, path = arg.split("=", 1)
    lines = [json.loads(l) for l in open(path + "/metrics.jsonl") if l.strip()]
    best = max(lines, key=lambda l: l["test_acc"])
    jump = next((l for p, l in zip(lines, lines[1:]) if l["free_energy"] > JUMP * p["free_energy"] and l["free_energy"] - p["free_energy"] > MIN_RISE), None)
    where = ("epoch %d (%.1f -> %.1f)" % (jump["epoch"], lines[jump["epoch"] - 2]["free_energy"], jump["free_energy"])
             if jump else "none")
    print("| %s | %d | %.2f (%d) | %.2f | %s | %.1f |" % (label, len(lines), 100 * best["test_acc"], best["epoch"],
          100 * lines[-1]["test_acc"], where, lines[-1]["free_energy"]))
