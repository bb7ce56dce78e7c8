#!/usr/bin/env python3
"""Writes small CIFAR-10-format batches whose classes only colour tells apart, for trying colour nets without CIFAR-10.

Usage: scripts/cifar-sample.py DIR [--train N] [--test N] [--seed S]

DIR gets data_batch_1.bin .. data_batch_5.bin (N/5 records each, default N = 5000) and test_batch.bin (default 1000
records), in the official binary format (a label byte, then the 32 x 32 red, green and blue planes). Each image is
Gaussian noise (std 25) around one colour per label: the hues 36 degrees apart on a circle of radius 90 around grey
128, in the plane orthogonal to the BT.601 luma weights, so that every label has the same grey level. A 3x32x32 net
(colour) can learn them; a 1x32x32 or 1024 net (grayscale) sees noise around one grey. PoolingRunTest writes files
the same way. The numbers are synthetic: label them as such.
"""
import argparse
import math
import os
import random
import struct

LUMA = (0.299, 0.587, 0.114)


def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return tuple(x / n for x in v)


U = unit((LUMA[1], -LUMA[0], 0.0))
V = unit((LUMA[1] * U[2] - LUMA[2] * U[1], LUMA[2] * U[0] - LUMA[0] * U[2], LUMA[0] * U[1] - LUMA[1] * U[0]))


def records(n, rnd):
    out = bytearray()
    for _ in range(n):
        label = rnd.randrange(10)
        hue = 2 * math.pi * label / 10
        out.append(label)
        for c in range(3):
            centre = 128 + 90 * (math.cos(hue) * U[c] + math.sin(hue) * V[c])
            out.extend(max(0, min(255, round(centre + 25 * rnd.gauss(0, 1)))) for _ in range(1024))
    return bytes(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir")
    p.add_argument("--train", type=int, default=5000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if a.train < 5 or a.train % 5 or a.test < 1:
        p.error("--train must be a positive multiple of 5 and --test positive")
    os.makedirs(a.dir, exist_ok=True)
    rnd = random.Random(a.seed)
    for i in range(1, 6):
        with open(os.path.join(a.dir, "data_batch_%d.bin" % i), "wb") as f:
            f.write(records(a.train // 5, rnd))
    with open(os.path.join(a.dir, "test_batch.bin"), "wb") as f:
        f.write(records(a.test, rnd))
    print("cifar-sample: %d training and %d test records (synthetic hues) in %s" % (a.train, a.test, a.dir))


if __name__ == "__main__":
    main()
