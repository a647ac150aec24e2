#!/usr/bin/env python3
# bench/conv_shapes.py — PyTorch's side of bench/conv_shapes.js: for each case (JSON on argv[1]), the
# median time of one convolution forward + backward (input, weight and bias gradients), float32.
# Prints one JSON object: {"torch": version, "ms": [...]}. Threads: argv[2].
import json
import sys
import time

import torch
import torch.nn.functional as F

cases = json.loads(sys.argv[1])
torch.set_num_threads(int(sys.argv[2]))
reps = int(sys.argv[3])
conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
out = []
for c in cases:
    torch.manual_seed(0)
    x = torch.randn(c["x"], requires_grad=True)
    w = torch.randn(c["w"], requires_grad=True)
    b = torch.randn(c["w"][0], requires_grad=True)
    f = conv[len(c["x"]) - 2]
    opts = dict(stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
    y = f(x, w, b, **opts)
    g = torch.randn(y.shape)
    times = []
    for r in range(reps + 1):
        x.grad = w.grad = b.grad = None
        t0 = time.perf_counter()
        y = f(x, w, b, **opts)
        y.backward(g)
        t1 = time.perf_counter()
        if r:
            times.append((t1 - t0) * 1000)
    times.sort()
    out.append(times[len(times) // 2])
print(json.dumps({"torch": torch.__version__, "ms": out}))
