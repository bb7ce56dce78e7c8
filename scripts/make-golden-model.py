#!/usr/bin/env python3
"""Writes src/test/resources/golden/tiny-model.safetensors with numpy and json only (no safetensors library).

The model: net 3-2-2, units relu, gamma 0.125, metadata also source=make-golden-model.py.
Values (computed in float64, then rounded to float32; ModelFileTest recomputes them the same way):

    W0 = arange(6).reshape(2, 3) / 10 - 0.2    -> [[-0.2, -0.1, 0.0], [0.1, 0.2, 0.3]]    shape [2, 3]
    b0 = [0.5, -0.25]                                                                      shape [2]
    W1 = arange(4).reshape(2, 2) * 0.75 - 1    -> [[-1.0, -0.25], [0.5, 1.25]]             shape [2, 2]
    b1 = [0.0625, -1.5]                                                                    shape [2]

The tensors are laid out in sorted-name order (W0, W1, b0, b1), as the reference writer does, and the header is
padded with spaces to a multiple of 8 bytes. Run from the repository root:

    python3 scripts/make-golden-model.py
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join("src", "test", "resources", "golden", "tiny-model.safetensors")

tensors = {
    "W0": (np.arange(6).reshape(2, 3) / 10 - 0.2).astype("<f4"),
    "b0": np.array([0.5, -0.25]).astype("<f4"),
    "W1": (np.arange(4).reshape(2, 2) * 0.75 - 1).astype("<f4"),
    "b1": np.array([0.0625, -1.5]).astype("<f4"),
}
metadata = {"net": "3-2-2", "units": "relu", "gamma": "0.125", "source": "make-golden-model.py"}

header = {"__metadata__": metadata}
data = b""
for name in sorted(tensors):
    array = tensors[name]
    raw = array.tobytes(order="C")
    header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw

header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
header_bytes += b" " * (-len(header_bytes) % 8)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "wb") as f:
    f.write(struct.pack("<Q", len(header_bytes)))
    f.write(header_bytes)
    f.write(data)
print(f"wrote {OUT}: {8 + len(header_bytes) + len(data)} bytes")
