#!/usr/bin/env python3
"""The PyTorch peer of liftnet's CPU engine on conv nets (issue 27): the same training written as a researcher would,
to compare samples/s on the same machine. Two methods:

  backprop     torch.nn (Conv2d, ReLU, Linear), loss 1/2 ||z_L - onehot(y)||^2 averaged over the batch, SGD at
               eta_BP = 1/20, autograd for the gradient
  contrastive  liftnet's algorithm (/work/shared/DESIGN.md), as bench/pytorch_peer.py writes it for dense nets, with
               each layer an operator: W z by conv2d / a matrix product, W^T r by torch.nn.grad.conv2d_input / the
               transposed product, the columns' squared norms c_j = (W^T W)_jj by conv2d_input of the squared kernel
               on ones (once per step, after the update), the weight gradient by torch.nn.grad.conv2d_weight / an outer
               product. Energy

    E(z; x) = sum_{k=1}^{L} gamma^{k-1} / 2 ||z_k - W_{k-1} z_{k-1} - b_{k-1}||^2,   z_0 = x,   gamma = 1/8,

hidden units relu; free phase over z_1 .. z_L, clamped phase with z_L = onehot(y) from the free minimiser; each phase
runs red-black Jacobi sweeps (odd hidden layers, then even ones), one step of hidden layer k with r = z_{k+1} - a_{k+1},
q = W_k^T r:

    delta = relu((a_k + gamma q + gamma c z_k) / (1 + gamma c)) - z_k,   d = W_k delta,
    s = sum_j (z_k - a_k - gamma q)_j delta_j,   h = ||delta||^2 + gamma ||d||^2,
    t = clamp(-s / h, 0, 1),   z_k += t delta,   a_{k+1} += t d      (per sample)

and in the free phase z_L = a_L after each sweep. Gradient dE(z_clamped) - dE(z_free), dE/dW_k = -gamma^k lambda_{k+1}
z_k^T, lambda_{k+1} = z_{k+1} - a_{k+1}, batch mean; SGD at eta_BP / gamma^(L-1). Weights N(0, 1/fan-in), biases 0.

A convolution cCkKsS is liftnet's: stride S, zero padding K/2 ('same' for odd K), output ceil(H/S) x ceil(W/S).
MNIST training images from --data (the first --limit), a seeded order per epoch. Prints one line per epoch and, last,
one line `result method=M samples_per_s=X epoch_seconds=Y` of the last epoch (scripts/bench.sh --conv reads it).

    python3 bench/pytorch_conv_peer.py --method contrastive|backprop [--net 1x28x28-c16k5s2-c32k3s2-64-10]
        [--batch 50] [--sweeps 15] [--limit 5000] [--epochs 2] [--threads 2] [--data data/mnist] [--seed 1]
"""
import argparse
import os
import re
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_peer import fail, load_mnist  # noqa: E402  (the peers share the MNIST reader)

GAMMA = 0.125
ETA_BP = 1.0 / 20


class Conv:
    """cFkKsS on a [C, H, W] image: liftnet's padding K/2 and output ceil(H/S) x ceil(W/S)."""

    def __init__(self, shape, filters, kernel, stride):
        c, h, w = shape
        self.inp = shape
        self.stride = stride
        self.pad = kernel // 2
        self.out = (filters, -(-h // stride), -(-w // stride))
        torch_out = ((h + 2 * self.pad - kernel) // stride + 1, (w + 2 * self.pad - kernel) // stride + 1)
        if torch_out != self.out[1:]:
            fail(f"c{filters}k{kernel}s{stride} on {c}x{h}x{w}: PyTorch's padding {self.pad} gives {torch_out}, liftnet "
                 f"{self.out[1:]} (an even kernel's window); use odd kernels")
        self.weight_shape = (filters, c, kernel, kernel)
        self.fan_in = c * kernel * kernel
        self.n_in = c * h * w
        self.n_out = filters * self.out[1] * self.out[2]

    def apply(self, w, z):
        return F.conv2d(z.view(-1, *self.inp), w, None, self.stride, self.pad).flatten(1)

    def apply_t(self, w, r):
        return conv2d_input((r.shape[0],) + self.inp, w, r.view(-1, *self.out), self.stride, self.pad).flatten(1)

    def col_norms(self, w):
        ones = torch.ones((1,) + self.out)
        return conv2d_input((1,) + self.inp, w * w, ones, self.stride, self.pad).flatten()

    def weight_grad(self, lam, z):
        return conv2d_weight(z.view(-1, *self.inp), self.weight_shape, lam.view(-1, *self.out), self.stride, self.pad)

    def full_bias(self, b):
        return b.repeat_interleave(self.out[1] * self.out[2])

    def bias_grad(self, lam):
        return lam.view(lam.shape[0], self.out[0], -1).sum(dim=(0, 2))

    def module(self):
        return torch.nn.Conv2d(self.inp[0], self.out[0], self.weight_shape[2], self.stride, self.pad)


class Dense:
    def __init__(self, n_in, n_out):
        self.weight_shape = (n_out, n_in)
        self.fan_in = n_in
        self.n_in = n_in
        self.n_out = n_out

    def apply(self, w, z):
        return z @ w.T

    def apply_t(self, w, r):
        return r @ w

    def col_norms(self, w):
        return (w * w).sum(dim=0)

    def weight_grad(self, lam, z):
        return lam.T @ z

    def full_bias(self, b):
        return b

    def bias_grad(self, lam):
        return lam.sum(dim=0)

    def module(self):
        return torch.nn.Linear(self.n_in, self.n_out)


def parse_net(text):
    """1x28x28-c16k5s2-c32k3s2-64-10 as a list of Conv and Dense layers."""
    tokens = text.split("-")
    m = re.fullmatch(r"(\d+)x(\d+)x(\d+)", tokens[0])
    if not m:
        fail(f"--net {text}: the first part must be the image CxHxW, e.g. 1x28x28-c16k5s2-c32k3s2-64-10")
    shape = tuple(int(v) for v in m.groups())
    width = shape[0] * shape[1] * shape[2]
    layers = []
    for t in tokens[1:]:
        c = re.fullmatch(r"c(\d+)k(\d+)(?:s(\d+))?", t)
        if c:
            if shape is None:
                fail(f"--net {text}: convolution {t} after a dense layer")
            conv = Conv(shape, int(c.group(1)), int(c.group(2)), int(c.group(3) or 1))
            layers.append(conv)
            shape, width = conv.out, conv.n_out
        elif t.isdigit() and int(t) > 0:
            layers.append(Dense(width, int(t)))
            shape, width = None, int(t)
        else:
            fail(f"--net {text}: '{t}' is neither a convolution cFkK[sS] nor a width (this peer has no pooling)")
    if len(layers) < 2:
        fail(f"--net {text} needs at least one hidden layer")
    return layers


class Contrastive:
    """liftnet's contrastive step with plain tensor operations."""

    def __init__(self, layers, seed):
        self.ops = layers
        self.L = len(layers)
        g = torch.Generator().manual_seed(seed)
        self.W = [torch.randn(op.weight_shape, generator=g) / op.fan_in ** 0.5 for op in layers]
        self.b = [torch.zeros(op.weight_shape[0]) for op in layers]
        self.eta = ETA_BP / GAMMA ** (self.L - 1)
        self.refresh()

    def refresh(self):
        """What changes with the weights only: full-length biases and the columns' squared norms."""
        self.bias = [op.full_bias(b) for op, b in zip(self.ops, self.b)]
        self.norms = [None] + [self.ops[k].col_norms(self.W[k]) for k in range(1, self.L)]

    def forward(self, x):
        z, a = [x], [x]
        for k, op in enumerate(self.ops):
            ak = op.apply(self.W[k], z[k]) + self.bias[k]
            a.append(ak)
            z.append(ak.clamp_min(0.0) if k + 1 < self.L else ak.clone())
        return z, a

    def infer(self, z, a, onehot, sweeps):
        """Red-black Jacobi sweeps from (z, a), in place; clamped when onehot is given, else free."""
        if onehot is not None:
            z[self.L] = onehot.clone()
        for _ in range(sweeps):
            for parity in (1, 2):
                for k in range(parity, self.L, 2):
                    op, w = self.ops[k], self.W[k]
                    r = z[k + 1] - a[k + 1]
                    q = op.apply_t(w, r)
                    c = self.norms[k]
                    target = ((a[k] + GAMMA * q + GAMMA * c * z[k]) / (1.0 + GAMMA * c)).clamp_min(0.0)
                    delta = target - z[k]
                    d = op.apply(w, delta)
                    s = ((z[k] - a[k] - GAMMA * q) * delta).sum(dim=1, keepdim=True)
                    h = (delta * delta).sum(dim=1, keepdim=True) + GAMMA * (d * d).sum(dim=1, keepdim=True)
                    t = torch.where(h > 0, (-s / h.clamp_min(1e-30)).clamp(0.0, 1.0), torch.zeros_like(h))
                    z[k] = z[k] + t * delta
                    a[k + 1] = a[k + 1] + t * d
            if onehot is None:
                z[self.L] = a[self.L].clone()

    def step(self, x, y, sweeps):
        zf, af = self.forward(x)
        self.infer(zf, af, None, sweeps)
        onehot = torch.zeros(x.shape[0], self.ops[-1].n_out).scatter_(1, y.unsqueeze(1), 1.0)
        zc = [t.clone() for t in zf]
        ac = [t.clone() for t in af]
        self.infer(zc, ac, onehot, sweeps)
        for k, op in enumerate(self.ops):
            scale = GAMMA ** k / x.shape[0]
            lam_c = zc[k + 1] - ac[k + 1]
            lam_f = zf[k + 1] - af[k + 1]
            gw = -(op.weight_grad(lam_c, zc[k]) - op.weight_grad(lam_f, zf[k])) * scale
            gb = -(op.bias_grad(lam_c) - op.bias_grad(lam_f)) * scale
            self.W[k] -= self.eta * gw
            self.b[k] -= self.eta * gb
        self.refresh()


class Backprop:
    """The same net as a torch.nn.Sequential, trained by autograd and torch.optim.SGD."""

    def __init__(self, layers, seed):
        torch.manual_seed(seed)
        modules = []
        for k, op in enumerate(layers):
            if isinstance(op, Dense) and k > 0 and isinstance(layers[k - 1], Conv):
                modules.append(torch.nn.Flatten())
            if isinstance(op, Conv) and k == 0:
                modules.append(torch.nn.Unflatten(1, op.inp))
            m = op.module()
            torch.nn.init.normal_(m.weight, 0.0, 1.0 / op.fan_in ** 0.5)
            torch.nn.init.zeros_(m.bias)
            modules.append(m)
            if k + 1 < len(layers):
                modules.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*modules)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=ETA_BP)
        self.classes = layers[-1].n_out

    def step(self, x, y, sweeps):
        onehot = torch.zeros(x.shape[0], self.classes).scatter_(1, y.unsqueeze(1), 1.0)
        self.optimizer.zero_grad(set_to_none=True)
        loss = 0.5 * ((self.model(x) - onehot) ** 2).sum(dim=1).mean()
        loss.backward()
        self.optimizer.step()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", choices=["contrastive", "backprop"], required=True)
    ap.add_argument("--net", default="1x28x28-c16k5s2-c32k3s2-64-10")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--sweeps", type=int, default=15)
    ap.add_argument("--limit", type=int, default=5000, help="train on the first N MNIST training images")
    ap.add_argument("--epochs", type=int, default=2, help="the last epoch's samples/s is the result")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.batch < 1 or args.sweeps < 1 or args.limit < args.batch or args.epochs < 1:
        fail("--batch, --sweeps and --epochs must be positive and --limit at least --batch")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    layers = parse_net(args.net)
    if layers[0].n_in != 784 or layers[-1].n_out != 10:
        fail(f"--net {args.net} does not fit MNIST (1x28x28 inputs, 10 outputs)")
    x, y = load_mnist(args.data, limit=args.limit)
    trainer = (Contrastive if args.method == "contrastive" else Backprop)(layers, args.seed)
    count = x.shape[0]
    head = (f"pytorch {torch.__version__} ({torch.get_num_threads()} threads) {args.method} net {args.net} "
            f"batch {args.batch}" + (f" sweeps {args.sweeps}" if args.method == "contrastive" else ""))
    seconds = 0.0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(count, generator=torch.Generator().manual_seed(args.seed * 1000 + epoch))
        t0 = time.perf_counter()
        for i in range(0, count, args.batch):
            idx = order[i:i + args.batch]
            if args.method == "contrastive":
                with torch.no_grad():
                    trainer.step(x[idx], y[idx], args.sweeps)
            else:
                trainer.step(x[idx], y[idx], args.sweeps)
        seconds = time.perf_counter() - t0
        print(f"{head}: epoch {epoch}/{args.epochs} {seconds:.2f} s {count / seconds:.0f} samples/s", flush=True)
    print(f"result method={args.method} samples_per_s={count / seconds:.1f} epoch_seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
