#!/usr/bin/env python3
"""The fuller peer: per tensor, zeros, near-zeros (|x| <= 1e-6), a log2 magnitude histogram and the
2:4 group share along the last axis, as a user would write them in numpy. `npm run bench` times
it against `analyze --no-run`. Needs Debian's python3-onnx and python3-numpy.
Usage: python3 scripts/numpy_full.py MODEL.onnx"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

from numpy_zeros import tensors

NEAR = 1e-6


def measure(a):
    mag = np.abs(a.astype(np.float32, copy=False)).ravel()
    nonzero = mag != 0
    zeros = mag.size - np.count_nonzero(nonzero)
    near = np.count_nonzero(mag <= NEAR)
    exps = np.frexp(mag[nonzero])[1]
    hist = np.bincount(exps - exps.min()) if exps.size else np.zeros(0, np.int64)
    share24 = None
    if a.ndim >= 2 and a.shape[-1] % 4 == 0:
        share24 = float(np.mean(np.count_nonzero(nonzero.reshape(-1, 4), axis=1) <= 2))
    return zeros, near, hist, share24


def main(path):
    model = onnx.load(path)
    base = path.rsplit('/', 1)[0] if '/' in path else '.'
    elements = zeros = near = 0
    ready = 0
    for t in tensors(model.graph):
        a = numpy_helper.to_array(t, base)
        if a.dtype == object or a.dtype == bool or a.size == 0:
            continue
        z, n, _, share24 = measure(a)
        elements += a.size
        zeros += z
        near += n
        ready += share24 == 1.0
    print(f'{elements} elements, {zeros} zeros, {near} near-zeros, {ready} tensors 2:4-ready')


if __name__ == '__main__':
    main(sys.argv[1])
