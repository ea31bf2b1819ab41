#!/usr/bin/env python3
"""The peer a user would write to ask "how many zeros?": onnx.load, numpy_helper.to_array and
count_nonzero over every initializer and Constant (subgraphs included). `npm run bench` times it
against `analyze --no-run`. Needs Debian's python3-onnx and python3-numpy.
Usage: python3 scripts/numpy_zeros.py MODEL.onnx"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def tensors(graph):
    """Every initializer and Constant value of a graph and of its subgraphs."""
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == 'Constant' and attr.name == 'value':
                yield attr.t
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from tensors(attr.g)
            for g in attr.graphs:
                yield from tensors(g)


def main(path):
    model = onnx.load(path)
    base = path.rsplit('/', 1)[0] if '/' in path else '.'
    elements = zeros = 0
    for t in tensors(model.graph):
        a = numpy_helper.to_array(t, base)
        elements += a.size
        zeros += a.size - np.count_nonzero(a)
    print(f'{elements} elements, {zeros} zeros ({zeros / max(elements, 1):.2%})')


if __name__ == '__main__':
    main(sys.argv[1])
