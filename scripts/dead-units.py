#!/usr/bin/env python3
# Usage: scripts/dead-units.py MODEL.safetensors... (reads data/fashion-mnist/t10k-images-idx3-ubyte[.gz]; numpy)
# Per-unit view of layer 1 of a model on the Fashion-MNIST test set: which units are dead (pre-activation
# a_1 = W0 x + b0 <= 0 on every sample) and how much of the mean layer-0 energy 1/2 ||relu-part||^2 they hold.
import glob, gzip, json, os, struct, sys
import numpy as np
def load(path):
    f = open(path, 'rb'); n = struct.unpack('<Q', f.read(8))[0]; h = json.loads(f.read(n)); base = 8 + n
    data = open(path, 'rb').read()
    out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        a, b = v['data_offsets']
        out[k] = np.frombuffer(data[base + a: base + b], dtype='<f4').reshape(v['shape'])
    return out, h['__metadata__']
def images(path):
    d = gzip.open(path).read() if path.endswith('.gz') else open(path, 'rb').read()
    n, r, c = struct.unpack('>III', d[4:16]); return np.frombuffer(d[16:], np.uint8).reshape(n, r * c) / 255.0

x = images(glob.glob(os.path.join(os.path.dirname(__file__), '..', 'data', 'fashion-mnist', 't10k-images-idx3-ubyte*'))[0])
for p in sys.argv[1:]:
    m, meta = load(p)
    a1 = x @ m['W0'].T.astype(np.float64) + m['b0']
    dead = (a1 <= 0).all(axis=0)
    # energy a dead unit holds in any phase: z = 0, so 1/2 a^2 per sample
    held = 0.5 * (np.minimum(a1, 0) ** 2)[:, dead].mean(axis=0)
    order = np.argsort(-held)
    print(f"{p} epoch {meta.get('epoch')}: dead layer-1 units {dead.sum()}/64; their energy (mean 1/2 a^2): total {held.sum():.1f}, "
          f"largest {', '.join(f'{v:.1f}' for v in held[order[:5]])}; b0 of those: {', '.join(f'{v:.2f}' for v in m['b0'][dead][order[:5]])}; "
          f"max |W0| row norm {np.linalg.norm(m['W0'],axis=1).max():.2f}")
