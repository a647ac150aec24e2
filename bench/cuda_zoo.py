#!/usr/bin/env python3
# bench/cuda_zoo.py — PyTorch's side of bench/cuda_zoo.js on the same GPU. argv[1]: JSON config
# {nets: [{name, input: [C, H, W], classes, batch}], reps, warmup}. For each net (the seeds'
# definitions from test/fixtures/seed_models.py, torchvision's resnet18), random init and data on
# cuda: one training step (train mode, cross-entropy, backward, SGD lr 0.01 momentum 0.9) and
# inference (eval, no_grad) at the batch, each timed after torch.cuda.synchronize(), median of
# reps after warm-up. TF32 off (cuDNN and matmul), cudnn.benchmark off (PyTorch's defaults but TF32).
# Prints one JSON object: {torch, gpu, tf32: false, nets: {name: {train_ms, infer_ms}}}.
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
import seed_models  # noqa: E402

torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
cfg = json.loads(sys.argv[1])
dev = torch.device(os.environ.get("CUDA_ZOO_DEVICE", "cuda"))  # cpu: only to check this script without a GPU
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)


def build(name, classes):
    if name == "fashioncnn":
        return seed_models.FashionCNN()
    if name == "tv_resnet18":
        import torchvision

        return torchvision.models.resnet18(num_classes=classes)
    return seed_models.MODELS[name]()


def timed(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    sync()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


out = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else "none", "tf32": False, "nets": {}}
for net in cfg["nets"]:
    torch.manual_seed(0)
    m = build(net["name"], net["classes"]).to(dev)
    b = net["batch"]
    x = torch.randn(b, *net["input"], device=dev)
    y = torch.randint(0, net["classes"], (b,), device=dev)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)

    def step():
        m.train()
        loss = F.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def infer():
        m.eval()
        with torch.no_grad():
            m(x)

    out["nets"][net["name"]] = {"train_ms": timed(step, cfg["reps"], cfg["warmup"]), "infer_ms": timed(infer, cfg["reps"], cfg["warmup"])}
    del m, opt, x, y
    if dev.type == "cuda":
        torch.cuda.empty_cache()
print(json.dumps(out))
