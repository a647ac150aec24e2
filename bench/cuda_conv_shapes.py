#!/usr/bin/env python3
# bench/cuda_conv_shapes.py — PyTorch's side of bench/cuda_conv_shapes.js on the same GPU. argv[1]:
# JSON {cases: [{name, x, w, stride, padding}], gemms: [[M, N, K]], reps, warmup}. Per case, float32
# on cuda, TF32 off, cudnn.benchmark off (PyTorch's defaults but TF32): the medians of the forward
# alone, forward + input gradient (only x requires grad) and forward + weight gradient (only w
# requires grad), each repetition ended by torch.cuda.synchronize(); per GEMM, A[M, K] @ B[K, N].
# Prints one JSON object {torch, gpu, cases: {name: {fwd, fwd_dx, fwd_dw}}, gemms: [ms]}.
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
cfg = json.loads(sys.argv[1])
dev = torch.device("cuda")


def timed(fn):
    for _ in range(cfg["warmup"]):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(cfg["reps"]):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


out = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "cases": {}, "gemms": []}
for c in cfg["cases"]:
    torch.manual_seed(0)
    x = torch.randn(*c["x"], device=dev)
    w = torch.randn(*c["w"], device=dev) * 0.05
    kw = dict(stride=c["stride"], padding=c["padding"])
    with torch.no_grad():
        y = F.conv2d(x, w, **kw)
    gy = torch.randn_like(y)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, **kw)

    def fwd_grad(xr, wr):
        def f():
            xx = x.detach().requires_grad_(xr)
            ww = w.detach().requires_grad_(wr)
            F.conv2d(xx, ww, **kw).backward(gy)
        return f

    out["cases"][c["name"]] = {"fwd": timed(fwd), "fwd_dx": timed(fwd_grad(True, False)), "fwd_dw": timed(fwd_grad(False, True))}
    del x, w, y, gy
for m, n, k in cfg["gemms"]:
    a = torch.randn(m, k, device=dev)
    b = torch.randn(k, n, device=dev)
    out["gemms"].append(timed(lambda: torch.mm(a, b)))
    del a, b
print(json.dumps(out))
