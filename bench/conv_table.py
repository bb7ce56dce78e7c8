#!/usr/bin/env python3
"""The conv table of issue 27 from measured samples/s: liftnet and the PyTorch peer, back-propagation and the
contrastive step, with the arithmetic each does and its share of numpy's sgemm on the same machine.

Arithmetic per sample, 2 x the multiply-adds of the step's conv and dense products, M_k the multiply-adds of W_k z_k
(a convolution cFkK on a C x H x W map: F H' W' C K K; a dense layer n_{k+1} n_k):
  back-propagation   forward sum_k M_k, weight gradients sum_k M_k, input gradients sum_{k>=1} M_k
  contrastive        forward sum_k M_k (W_0 x is not recomputed afterwards); per phase and Jacobi sweep, for every
                     hidden layer k >= 1, W_k^T r and W_k delta: 2 sum_{k>=1} M_k; the two phases' weight
                     gradients: 2 sum_k M_k
Fractions: of sgemm at 2048^2, and of the bound the net's own GEMM shapes give (layer k as a product of
(batch H' W') x (C K K) by (C K K) x F, or batch x n_k by n_k x n_{k+1}): the step's arithmetic over the time its
products would take at each shape's sgemm rate, counted with the same multiplicities.

    python3 bench/conv_table.py shapes NET BATCH           the GEMM shapes MxKxN, one per layer
    python3 bench/conv_table.py table --net NET --batch B --sweeps S --sgemm FILE \\
        --liftnet-backprop X --liftnet-contrastive X --torch-backprop X --torch-contrastive X [--json OUT]
    python3 bench/conv_table.py summary ROUND.json...   medians over rounds (each round's figures measured together)
"""
import argparse
import json
import re
import statistics
import sys


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(2)


def layers(net):
    """Per weight layer: (multiply-adds per sample, (M, K, N) of its GEMM per sample: M = positions)."""
    tokens = net.split("-")
    m = re.fullmatch(r"(\d+)x(\d+)x(\d+)", tokens[0])
    if not m:
        fail(f"net {net}: the first part must be the image CxHxW")
    c, h, w = (int(v) for v in m.groups())
    width = c * h * w
    out = []
    for t in tokens[1:]:
        conv = re.fullmatch(r"c(\d+)k(\d+)(?:s(\d+))?", t)
        if conv:
            f, k, s = int(conv.group(1)), int(conv.group(2)), int(conv.group(3) or 1)
            oh, ow = -(-h // s), -(-w // s)
            out.append((f * oh * ow * c * k * k, (oh * ow, c * k * k, f)))
            c, h, w = f, oh, ow
            width = f * oh * ow
        elif t.isdigit():
            n = int(t)
            out.append((width * n, (1, width, n)))
            width = n
        else:
            fail(f"net {net}: '{t}' is neither a convolution cFkK[sS] nor a width")
    return out


def multiplicities(method, count, sweeps):
    """How many times each layer's product runs per sample in one step of the method."""
    if method == "backprop":
        return [2] + [3] * (count - 1)
    return [3] + [1 + 4 * sweeps + 2] * (count - 1)


def shapes(net, batch):
    return [f"{m * batch}x{k}x{n}" for _, (m, k, n) in layers(net)]


def read_sgemm(path):
    rates, blas = {}, "unknown"
    with open(path) as f:
        for line in f:
            g = re.match(r"sgemm (\d+x\d+x\d+) gflops=([\d.]+)", line)
            if g:
                rates[g.group(1)] = float(g.group(2))
            elif line.startswith("blas "):
                blas = line[5:].strip()
    return rates, blas


def table(args):
    ls = layers(args.net)
    rates, blas = read_sgemm(args.sgemm)
    big = rates.get("2048x2048x2048")
    own = shapes(args.net, args.batch)
    missing = [s for s in own if s not in rates]
    if big is None or missing:
        fail(f"{args.sgemm} lacks sgemm rates of 2048x2048x2048 or {missing}; run bench/sgemm.py on them")
    rows = [("liftnet", "backprop", args.liftnet_backprop), ("PyTorch", "backprop", args.torch_backprop),
            ("liftnet", "contrastive", args.liftnet_contrastive), ("PyTorch", "contrastive", args.torch_contrastive)]
    print(f"Conv net {args.net}, batch {args.batch}, contrastive: {args.sweeps} Jacobi sweeps per phase.")
    print(f"sgemm (float32, {blas}): 2048^2 {big:.0f} GFLOP/s; the net's shapes "
          + ", ".join(f"{s} {rates[s]:.{0 if rates[s] >= 10 else 1}f}" for s in own) + " GFLOP/s.\n")
    as_set = None
    if args.sgemm_as_set:
        as_set = read_sgemm(args.sgemm_as_set)[0].get("2048x2048x2048")
        if as_set is None:
            fail(f"{args.sgemm_as_set} lacks the sgemm rate of 2048x2048x2048")
        print(f"sgemm 2048^2 as this environment sets OpenBLAS ({args.as_set_note}): {as_set:.0f} GFLOP/s.\n")
    figures = {}
    extra = " of that sgemm |" if as_set else ""
    print("| method | program | samples/s | GFLOP/s | of sgemm 2048^2 | of the net's GEMM shapes |" + extra)
    print("|---|---|---:|---:|---:|---:|" + ("---:|" if as_set else ""))
    for program, method, samples in rows:
        mult = multiplicities(method, len(ls), args.sweeps)
        flops = sum(2.0 * mac * r for (mac, _), r in zip(ls, mult))  # per sample
        # seconds per sample at each shape's sgemm rate, same multiplicities
        bound = flops / sum(2.0 * mac * r / (rates[s] * 1e9) for (mac, _), r, s in zip(ls, mult, own)) / 1e9
        gflops = samples * flops / 1e9
        figures[f"{program} {method}"] = {"samples_per_s": samples, "gflops": gflops, "of_sgemm": gflops / big,
                                          "of_sgemm_as_set": gflops / as_set if as_set else None}
        print(f"| {method} | {program} | {samples:,.0f} | {gflops:.1f} | {100 * gflops / big:.0f}% "
              f"| {100 * gflops / bound:.0f}% |" + (f" {100 * gflops / as_set:.0f}% |" if as_set else ""))
    for method, a, b in (("backprop", args.liftnet_backprop, args.torch_backprop),
                         ("contrastive", args.liftnet_contrastive, args.torch_contrastive)):
        print(f"\nliftnet / PyTorch, {method}: {a / b:.2f}x", end="")
    mult_c = multiplicities("contrastive", len(ls), args.sweeps)
    mult_b = multiplicities("backprop", len(ls), args.sweeps)
    ratio = sum(mac * r for (mac, _), r in zip(ls, mult_c)) / sum(mac * r for (mac, _), r in zip(ls, mult_b))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sgemm_2048": big, "sgemm_2048_as_set": as_set, "rows": figures,
                       "ratio_backprop": args.liftnet_backprop / args.torch_backprop,
                       "ratio_contrastive": args.liftnet_contrastive / args.torch_contrastive}, f)
    print(f"\nA contrastive step does {ratio:.1f}x the arithmetic of a back-propagation step "
          f"({sum(2.0 * mac * r for (mac, _), r in zip(ls, mult_c)) / 1e6:.1f} against "
          f"{sum(2.0 * mac * r for (mac, _), r in zip(ls, mult_b)) / 1e6:.2f} MFLOP per sample).")


def summary(paths):
    """Medians over rounds of the figures each round measured together, and the range."""
    rounds = []
    for path in paths:
        with open(path) as f:
            rounds.append(json.load(f))

    def line(name, values, fmt):
        print(f"| {name} | {fmt(statistics.median(values))} | {fmt(min(values))} .. {fmt(max(values))} |")

    print(f"Median over {len(rounds)} rounds (each round: numpy sgemm, then liftnet and PyTorch, backprop and "
          "contrastive, one after the other):\n")
    print("| figure | median | range |")
    print("|---|---:|---|")
    line("sgemm 2048^2, GFLOP/s", [r["sgemm_2048"] for r in rounds], lambda v: f"{v:.0f}")
    if all(r["sgemm_2048_as_set"] for r in rounds):
        line("sgemm 2048^2 as the environment sets it, GFLOP/s", [r["sgemm_2048_as_set"] for r in rounds],
             lambda v: f"{v:.0f}")
    for key in ("liftnet backprop", "PyTorch backprop", "liftnet contrastive", "PyTorch contrastive"):
        line(f"{key}, samples/s", [r["rows"][key]["samples_per_s"] for r in rounds], lambda v: f"{v:,.0f}")
    line("liftnet contrastive, of sgemm 2048^2 (same round)", [r["rows"]["liftnet contrastive"]["of_sgemm"]
                                                            for r in rounds], lambda v: f"{100 * v:.0f}%")
    if all(r["sgemm_2048_as_set"] for r in rounds):
        line("liftnet contrastive, of that sgemm as set (same round)",
             [r["rows"]["liftnet contrastive"]["of_sgemm_as_set"] for r in rounds], lambda v: f"{100 * v:.0f}%")
    line("liftnet / PyTorch, backprop (same round)", [r["ratio_backprop"] for r in rounds], lambda v: f"{v:.2f}x")
    line("liftnet / PyTorch, contrastive (same round)", [r["ratio_contrastive"] for r in rounds],
         lambda v: f"{v:.2f}x")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "summary":
        if len(sys.argv) < 3:
            fail("usage: conv_table.py summary ROUND.json...")
        summary(sys.argv[2:])
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "shapes":
        if len(sys.argv) != 4 or not sys.argv[3].isdigit():
            fail("usage: conv_table.py shapes NET BATCH")
        print(" ".join(shapes(sys.argv[2], int(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["table"])
    ap.add_argument("--net", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--sweeps", type=int, required=True)
    ap.add_argument("--sgemm", required=True, help="output of bench/sgemm.py")
    ap.add_argument("--sgemm-as-set", help="bench/sgemm.py at 2048^2 with the environment's OpenBLAS settings")
    ap.add_argument("--as-set-note", default="", help="those settings, for the table")
    ap.add_argument("--json", help="also write the round's figures here, for summary")
    for name in ("liftnet-backprop", "liftnet-contrastive", "torch-backprop", "torch-contrastive"):
        ap.add_argument("--" + name, type=float, required=True, help="samples/s")
    table(ap.parse_args())


if __name__ == "__main__":
    main()
