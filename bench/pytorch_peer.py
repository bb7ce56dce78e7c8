#!/usr/bin/env python3
"""The PyTorch peer of liftnet's GPU engine (issue #11): a straightforward PyTorch implementation of the same
training step, to measure what the fused engine is compared with on the same device.

The algorithm is liftnet's (/work/shared/DESIGN.md, kernels/solver.cl, kernels/train.cl): energy

    E(z; x) = sum_{k=1}^{L} gamma^{k-1} / 2 ||z_k - W_{k-1} z_{k-1} - b_{k-1}||^2,   z_0 = x,

hidden units in C (relu: [0, inf)); the free phase minimises E over z_1 .. z_L, the clamped phase with z_L = y
(one-hot). Inference starts from the forward pass and runs red-black Jacobi sweeps (odd hidden layers, then even
ones); one Jacobi step of hidden layer k, with r = z_{k+1} - a_{k+1}, q = W_k^T r, c_j = ||W_k[:, j]||^2:

    delta = Proj_C((a_k + gamma q + gamma c z_k) / (1 + gamma c)) - z_k,   d = W_k delta,
    s = sum_j (z_k - a_k - gamma q)_j delta_j,   h = ||delta||^2 + gamma ||d||^2,
    t = clamp(-s / h, 0, 1) (0 when h = 0),   z_k += t delta,   a_{k+1} += t d      (per sample)

and in the free phase the output follows, z_L = a_L. The contrastive gradient is dE(z_clamped) - dE(z_free) with
dE/dW_k = -gamma^k lambda_{k+1} z_k^T, dE/db_k = -gamma^k lambda_{k+1}, lambda_{k+1} = z_{k+1} - a_{k+1},
averaged over the batch; SGD at eta = eta_BP / gamma^(L-1), eta_BP = 1/20. Weights start N(0, 1/n_k), biases 0.

Each step issues hundreds of small tensor operations (the point of the comparison): it prints samples/s over
the timed steps, the time per step, and the number of steps. Runs on CUDA when available, else on the CPU.

    python3 bench/pytorch_peer.py [--net 784-64-64-64-10] [--batch 50] [--sweeps 15] [--seconds 5]
                                  [--data data/mnist] [--device cuda|cpu] [--threads N]
"""
import argparse
import os
import struct
import sys
import time

import torch


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(2)


def read_idx(path):
    """An IDX file (MNIST's format) as a uint8 tensor of its shape."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        fail(f"{path} is not an unsigned-byte IDX file; fix the --data directory")
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load_mnist(directory, device="cpu", limit=None):
    """MNIST's training images (scaled to [0, 1], flat) and labels, the first `limit` of them, on `device`."""
    images = os.path.join(directory, "train-images-idx3-ubyte")
    labels = os.path.join(directory, "train-labels-idx1-ubyte")
    for p in (images, labels):
        if not os.path.isfile(p):
            fail(f"{p} is missing; fix --data (scripts/fetch-data.sh mnist fetches MNIST)")
    x = read_idx(images).reshape(-1, 28 * 28)[:limit].float().div_(255.0)
    y = read_idx(labels)[:limit].long()
    return x.to(device), y.to(device)


class Peer:
    """The net's parameters and the contrastive training step, as plain tensor operations."""

    def __init__(self, widths, gamma, eta_bp, seed, device):
        self.n = widths
        self.L = len(widths) - 1
        self.gamma = gamma
        g = torch.Generator().manual_seed(seed)
        self.W = [(torch.randn(widths[k + 1], widths[k], generator=g) / widths[k] ** 0.5).to(device)
                  for k in range(self.L)]
        self.b = [torch.zeros(widths[k + 1], device=device) for k in range(self.L)]
        self.eta = eta_bp / gamma ** (self.L - 1)

    def forward(self, x):
        """z_k and a_k (index 0: the input) of the forward pass z_{k+1} = Proj_C(a_{k+1}); the output is linear."""
        z, a = [x], [x]
        for k in range(self.L):
            ak = z[k] @ self.W[k].T + self.b[k]
            a.append(ak)
            z.append(ak.clamp_min(0.0) if k + 1 < self.L else ak.clone())
        return z, a

    def infer(self, z, a, y_onehot, sweeps):
        """Red-black Jacobi sweeps from (z, a), in place; clamped when y_onehot is given, else free."""
        gamma = self.gamma
        if y_onehot is not None:
            z[self.L] = y_onehot.clone()
        norms = [None] + [(self.W[k] * self.W[k]).sum(dim=0) for k in range(1, self.L)]
        for _ in range(sweeps):
            for parity in (1, 2):
                for k in range(parity, self.L, 2):
                    r = z[k + 1] - a[k + 1]
                    q = r @ self.W[k]
                    c = norms[k]
                    target = ((a[k] + gamma * q + gamma * c * z[k]) / (1.0 + gamma * c)).clamp_min(0.0)
                    delta = target - z[k]
                    d = delta @ self.W[k].T
                    s = ((z[k] - a[k] - gamma * q) * delta).sum(dim=1, keepdim=True)
                    h = (delta * delta).sum(dim=1, keepdim=True) + gamma * (d * d).sum(dim=1, keepdim=True)
                    t = torch.where(h > 0, (-s / h.clamp_min(1e-30)).clamp(0.0, 1.0), torch.zeros_like(h))
                    z[k] = z[k] + t * delta
                    a[k + 1] = a[k + 1] + t * d
            if y_onehot is None:
                z[self.L] = a[self.L].clone()
        return z, a

    def step(self, x, y, sweeps):
        """One contrastive step on the batch (x, y); returns the number of correct free-phase predictions (a tensor)."""
        zf, af = self.forward(x)
        self.infer(zf, af, None, sweeps)
        # one-hot by scatter: torch.nn.functional.one_hot checks its input on the host (a sync, not capturable)
        onehot = torch.zeros(x.shape[0], self.n[-1], device=x.device).scatter_(1, y.unsqueeze(1), 1.0)
        # the clamped phase starts from the free minimiser, as liftnet's trainer asks (Engine#inferClamped)
        zc = [t.clone() for t in zf]
        ac = [t.clone() for t in af]
        self.infer(zc, ac, onehot, sweeps)
        batch = x.shape[0]
        for k in range(self.L):
            weight = self.gamma ** k / batch
            lam_c = zc[k + 1] - ac[k + 1]
            lam_f = zf[k + 1] - af[k + 1]
            # E's gradient is -gamma^k lambda z^T: clamped minus free, descended
            gw = -(lam_c.T @ zc[k] - lam_f.T @ zf[k]) * weight
            gb = -(lam_c.sum(dim=0) - lam_f.sum(dim=0)) * weight
            self.W[k] -= self.eta * gw
            self.b[k] -= self.eta * gb
        return (zf[self.L].argmax(dim=1) == y).sum()


    def accuracy(self, x, y, sweeps, batch=1000):
        """Share of samples whose free-phase output has its largest entry at the label."""
        correct = 0
        for i in range(0, x.shape[0], batch):
            z, a = self.forward(x[i:i + batch])
            self.infer(z, a, None, sweeps)
            correct += int((z[self.L].argmax(dim=1) == y[i:i + batch]).sum())
        return correct / max(1, x.shape[0])


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", default="784-64-64-64-10")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--sweeps", type=int, default=15)
    ap.add_argument("--seconds", type=float, default=5.0, help="time to measure (after one warm-up second)")
    ap.add_argument("--data", default="data/mnist", help="directory with MNIST's IDX files; 'random' for noise")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--graph", choices=["auto", "on", "off"], default="auto",
                    help="also time the step replayed from a CUDA graph (no launches from Python); auto: on CUDA")
    args = ap.parse_args()
    try:
        widths = [int(w) for w in args.net.split("-")]
    except ValueError:
        fail(f"--net {args.net} is not widths joined by '-'; fix it, e.g. 784-64-64-64-10")
    if len(widths) < 3 or min(widths) < 1:
        fail(f"--net {args.net} needs an input, at least one hidden layer and an output of positive widths")
    if args.batch < 1 or args.sweeps < 1 or args.seconds <= 0:
        fail("--batch, --sweeps and --seconds must be positive")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        fail("--device cuda asked for, but PyTorch sees no CUDA device; use --device cpu")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    if args.data == "random":
        x = torch.rand(10000, widths[0], device=device)
        y = torch.randint(0, widths[-1], (10000,), device=device)
    else:
        x, y = load_mnist(args.data, device)
        if widths[0] != x.shape[1] or widths[-1] != 10:
            fail(f"--net {args.net} does not fit MNIST (784 inputs, 10 outputs); fix --net or use --data random")
    peer = Peer(widths, 0.125, 1.0 / 20, args.seed, device)
    order = torch.randperm(x.shape[0], device=device)
    count = x.shape[0] // args.batch

    def run(seconds):
        steps = 0
        sync(device)
        t0 = time.perf_counter()
        while True:
            j = steps % count
            idx = order[j * args.batch:(j + 1) * args.batch]
            peer.step(x[idx], y[idx], args.sweeps)
            steps += 1
            if steps % 10 == 0:
                sync(device)
                if time.perf_counter() - t0 >= seconds:
                    return steps, time.perf_counter() - t0

    with torch.no_grad():
        run(1.0)
        steps, seconds = run(args.seconds)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    head = f"pytorch peer {torch.__version__} on {name}: net {args.net} batch {args.batch} sweeps {args.sweeps}"
    print(f"{head}: {steps * args.batch / seconds:.0f} samples/s, {1e6 * seconds / steps:.0f} us/step "
          f"({steps} steps in {seconds:.2f} s, synchronised every 10 steps)")
    if args.graph == "on" or (args.graph == "auto" and device.type == "cuda"):
        if device.type != "cuda":
            fail("--graph on needs --device cuda")
        steps, seconds = time_graph(peer, x, y, order, count, args)
        print(f"{head}: {steps * args.batch / seconds:.0f} samples/s, {1e6 * seconds / steps:.0f} us/step replayed "
              f"from a CUDA graph ({steps} steps in {seconds:.2f} s; the batch copied into the graph's inputs each step)")
    if args.data != "random":
        held_x, held_y = x[-2000:], y[-2000:]
        with torch.no_grad():
            acc = peer.accuracy(held_x, held_y, args.sweeps)
        print(f"{head}: training accuracy {100 * acc:.1f} % on the last 2000 training samples after the timed steps")


def time_graph(peer, x, y, order, count, args):
    """Samples/s of the step captured once into a CUDA graph and replayed (what liftnet's engine does per epoch)."""
    xs = x[order[:args.batch]].clone()
    ys = y[order[:args.batch]].clone()
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.no_grad(), torch.cuda.stream(stream):
        for _ in range(3):  # warm-up on a side stream, as torch.cuda.graphs asks before capture
            peer.step(xs, ys, args.sweeps)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.no_grad(), torch.cuda.graph(graph):
        peer.step(xs, ys, args.sweeps)
    steps = 0
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    while True:
        j = steps % count
        idx = order[j * args.batch:(j + 1) * args.batch]
        xs.copy_(x[idx])
        ys.copy_(y[idx])
        graph.replay()
        steps += 1
        if steps % 10 == 0:
            torch.cuda.synchronize()
            if time.perf_counter() - t0 >= args.seconds:
                return steps, time.perf_counter() - t0


if __name__ == "__main__":
    main()
