#!/usr/bin/env python3
"""PREDICTION (not a measurement) of one training epoch of a conv net on one H100 SXM with the GPU engines' layered path
(implicit-GEMM or direct convolutions), from counts: multiply-adds per sample of each product, floats moved per sweep,
launches per step (measured with --profile on PoCL), and assumed efficiencies. docs/gpu-conv.md explains the model.
The 15-sweep rows are --sweeps 15 (or --tol with --gpu-early-exit off); the 4-sweep rows are the prediction for
--tol 1e-9 with the batch-level early exit (default on): every launch still happens, the skipped sweeps' kernels
return at once, so the launch cost stays that of 15 sweeps and only their arithmetic and bytes go.

    python3 bench/vgg_prediction.py [--net 3x32x32-c64k3-p2-c128k3-p2-c256k3-p2-c256k3-p2-10] [--batch 128]
        [--samples 50000] [--sweeps 15] [--launches-cd 954] [--launches-bp 32]
"""
import argparse
import math
import re

PEAK_FLOPS = 60e12   # H100 SXM FP32 without tensor cores, ~60 TFLOP/s (NVIDIA: 67 at boost clock)
PEAK_BYTES = 3.35e12  # HBM3, bytes/s
EFF_GEMM = 0.30      # conv_gemm_*: LDS-bound at <= 50% (8 shared loads per 16 FMAs per work-item and slice), less staging
EFF_DIRECT = 0.05    # conv_forward & co.: two L1 loads per FMA (<= 12.5%), index arithmetic and branches per term
EFF_BYTES = 0.70     # streaming elementwise kernels (solver.cl, pool.cl)
LAUNCH_S = 3e-6      # per launch in one in-order stream (CUDA graph replay: less)
# floats read or written per unit of hidden layer k and of layer k + 1 in one Jacobi sweep (solver.cl: propose,
# line search, apply; the products' own operands and the pooling scratch)
PER_UNIT_K, PER_UNIT_K1 = 16, 10


def layers(net):
    """[(kind, macs per sample, units out)] of each weight layer, and the hidden units, from the net grammar."""
    tokens = net.split("-")
    c, h, w = (int(v) for v in tokens[0].split("x"))
    out, pool = [], 1
    for t in tokens[1:]:
        m = re.fullmatch(r"c(\d+)k(\d+)(?:s(\d+))?", t)
        if m:
            h, w = h // pool, w // pool
            f, k, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
            oh, ow = math.ceil(h / s), math.ceil(w / s)
            out.append(("conv", f * oh * ow * c * k * k, f * oh * ow))
            c, h, w, pool = f, oh, ow, 1
        elif t.startswith("p"):
            pool = int(t[1:])
        else:
            n_in = c * (h // pool) * (w // pool)
            n = int(t)
            out.append(("dense", n * n_in, n))
            c, h, w, pool = n, 1, 1, 1
    return out


def predict(net, batch, samples, sweeps, launches_cd, launches_bp, eff):
    ls = layers(net)
    macs = [m for _, m, _ in ls]
    units = [u for _, _, u in ls]          # units of layers 1..L
    fwd = 2 * sum(macs)                     # FLOPs per sample
    hidden_products = 2 * sum(macs[1:])     # W_k^T r and W_k d of the hidden layers k = 1..L-1 (FLOPs / 2)
    sweep = 2 * hidden_products
    kkt = hidden_products                   # the phase's final KKT residual: W_k^T r once
    bp = fwd + hidden_products + fwd        # forward, W_k^T delta (k >= 1), weight gradients
    cd = fwd + 2 * (sweeps * sweep + kkt) + 2 * fwd
    moved = 4 * sum(PER_UNIT_K * units[k] + PER_UNIT_K1 * units[k + 1] for k in range(len(units) - 1))
    steps = math.ceil(samples / batch)
    rate = eff * PEAK_FLOPS
    bw = EFF_BYTES * PEAK_BYTES
    t_bp = batch * bp / rate + batch * 6 * 4 * sum(units) / bw + launches_bp * LAUNCH_S
    t_cd = batch * cd / rate + batch * 2 * sweeps * moved / bw + launches_cd * LAUNCH_S
    return dict(fwd=fwd, sweep=sweep, bp=bp, cd=cd, moved=moved, steps=steps, t_bp=t_bp, t_cd=t_cd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", default="3x32x32-c64k3-p2-c128k3-p2-c256k3-p2-c256k3-p2-10")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--samples", type=int, default=50000)
    ap.add_argument("--launches-cd", type=int, default=954, help="contrastive launches per step (--profile)")
    ap.add_argument("--launches-bp", type=int, default=32, help="backprop launches per step (--profile)")
    a = ap.parse_args()
    print(f"PREDICTION for {a.net}, batch {a.batch}, {a.samples} samples per epoch, one H100 SXM")
    print("| conv kernels | sweeps per phase (cd) | GFLOP/sample bp / cd | ms/step bp / cd | s/epoch bp / cd | cd / bp |")
    print("|---|---|---|---|---|---|")
    for name, eff in (("gemm (30% of FP32 peak)", EFF_GEMM), ("direct (5%)", EFF_DIRECT)):
        for s, how in ((15, "15 (`--sweeps 15`)"), (4, "4 done of 15 (`--tol 1e-9`, early exit)")):
            p = predict(a.net, a.batch, a.samples, s, a.launches_cd, a.launches_bp, eff)
            print(f"| {name} | {how} | {p['bp'] / 1e9:.3f} / {p['cd'] / 1e9:.2f} | {p['t_bp'] * 1e3:.1f} / {p['t_cd'] * 1e3:.1f} |"
                  f" {p['t_bp'] * p['steps']:.1f} / {p['t_cd'] * p['steps']:.1f} | {p['t_cd'] / p['t_bp']:.1f}x |")
    p = predict(a.net, a.batch, a.samples, 15, a.launches_cd, a.launches_bp, EFF_GEMM)
    print(f"\nper sample: forward {p['fwd'] / 1e6:.1f} MFLOP, one sweep {p['sweep'] / 1e6:.1f} MFLOP and"
          f" {p['moved'] / 1e6:.2f} MB moved; {p['steps']} steps per epoch")


if __name__ == "__main__":
    main()
