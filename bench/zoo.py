#!/usr/bin/python3
# bench/zoo.py — PyTorch's side of bench/zoo.js (run with Debian's /usr/bin/python3: python3-torch
# 1.13, python3-torchvision, libopenblas0-pthread). Contract: argv[1] is a JSON config written by
# zoo.js ({work, threads, quick, inferBatches, convShapes, nets: [{name, input: [C, H, W], classes,
# batch}]}). For each net, in this one process and one thread pool (torch.set_num_threads(threads)):
#   1. builds it (the seeds' definitions from test/fixtures/seed_models.py, torchvision's resnet18),
#      seed 0 (Sequential nets: the Linear after Flatten resized to the feature map of a shrunk
#      input, see fit_classifier), fills BatchNorm running statistics with one no-grad training pass, and writes
#      WORK/<net>.weights.safetensors (state_dict, PyTorch's keys), WORK/<net>.inputs.safetensors
#      (x_train [batch, C, H, W], y_train int64, x_infer [max(inferBatches), C, H, W]) and
#      WORK/<net>.onnx (torch.onnx.export, eval mode, opset 13, dynamic batch axis);
#   2. writes its eval logits for x_infer[:b] (every b in inferBatches) to WORK/<net>.pytorch.out.safetensors;
#   3. times inference (eval, torch.no_grad) at every b, and one training step (train mode,
#      cross-entropy, backward, SGD lr 0.01 momentum 0.9) on x_train/y_train, from the saved weights;
#   4. with convShapes, for that net: every distinct Conv2d call of one training forward (hooks),
#      and the forward and the backward time of each alone.
# Writes WORK/pytorch.json: {torch, torchvision, threads, nets: {name: {infer: {b: ms}, train: ms,
# loss0 (first step's loss), reps, fcIn, bn, dropout, params, convs?: [...]}}}. Times are medians in ms after warm-up (see bench_fn).
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "fixtures"))
import seed_models  # noqa: E402
from seed_models import save_safetensors  # noqa: E402

cfg = json.loads(sys.argv[1])
work = cfg["work"]
threads = int(cfg["threads"])
quick = bool(cfg["quick"])
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)


# warm-up calls, fewest and most repetitions, seconds to fill (zoo.js: REP_POLICY)
REP_POLICY = {"train": (2, 5, 60, 4.0), "infer": (2, 5, 300, 2.0), "layer": (2, 5, 100, 1.0)}


def bench_fn(fn, kind, own_time=False):
    """Warm-up, then repetitions sized from the last warm-up's time (same policy as zoo.js: kind
    'train', 'infer' or 'layer'). fn() is timed whole, or with own_time it returns its own time in ms
    (e.g. a backward alone)."""
    warm, lo, hi, budget = (1, 2, 3, 0.5) if quick else REP_POLICY[kind]

    def once():
        t0 = time.perf_counter()
        own = fn()
        return own if own_time else (time.perf_counter() - t0) * 1000

    t = 0.0
    for _ in range(warm):
        t = once()
    n = max(lo, min(hi, int(budget * 1000 / max(t, 1e-3)) + 1))
    times = sorted(once() for _ in range(n))
    return times[len(times) // 2], n


def build(name, classes):
    if name == "fashioncnn":
        m = seed_models.FashionCNN()
        for mod in m.modules():  # the seed's init_weights
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
                nn.init.constant_(mod.bias, 0)
        return m
    if name == "tv_resnet18":
        import torchvision

        return torchvision.models.resnet18(num_classes=classes)
    return seed_models.MODELS[name]()


def fit_classifier(m, c, h, w):
    """Sequential nets: the Linear right after Flatten takes the feature map of a [c, h, w] input
    (AlexNet and VGG-16 at a shrunk size). Returns [old, new] in-features, or None if unchanged."""
    if not isinstance(m, nn.Sequential):
        return None
    kids = list(m)
    fi = next((i for i, k in enumerate(kids) if isinstance(k, nn.Flatten)), None)
    if fi is None or fi + 1 >= len(kids) or not isinstance(kids[fi + 1], nn.Linear):
        return None
    with torch.no_grad():
        n = m[:fi + 1].eval()(torch.zeros(1, c, h, w)).shape[1]
    old = kids[fi + 1]
    if n == old.in_features:
        return None
    m[fi + 1] = nn.Linear(n, old.out_features)
    return [old.in_features, n]


def conv_shapes(m, x):
    """Every distinct conv2d call of one training forward: shapes, options, count."""
    seen = {}

    def hook(mod, inp, _out):
        k = json.dumps([list(inp[0].shape), list(mod.weight.shape), list(mod.stride), list(mod.padding),
                        list(mod.dilation), mod.groups, mod.bias is not None])
        seen[k] = seen.get(k, 0) + 1

    hs = [mod.register_forward_hook(hook) for mod in m.modules() if isinstance(mod, nn.Conv2d)]
    with torch.no_grad():
        m(x)
    for h in hs:
        h.remove()
    out = []
    for k, count in seen.items():
        x_s, w_s, stride, padding, dilation, groups, bias = json.loads(k)
        out.append(dict(x=x_s, w=w_s, stride=stride, padding=padding, dilation=dilation, groups=groups,
                        bias=bias, count=count))
    return out


def time_convs(cases):
    for c in cases:
        torch.manual_seed(0)
        x = torch.randn(c["x"], requires_grad=True)
        w = torch.randn(c["w"], requires_grad=True)
        b = torch.randn(c["w"][0], requires_grad=True) if c["bias"] else None
        o = dict(stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
        g = torch.randn(F.conv2d(x, w, b, **o).shape)
        c["fwd"], c["reps"] = bench_fn(lambda: F.conv2d(x, w, b, **o), "layer")

        def bwd():
            x.grad = w.grad = None
            if b is not None:
                b.grad = None
            y = F.conv2d(x, w, b, **o)
            t0 = time.perf_counter()
            y.backward(g)
            return (time.perf_counter() - t0) * 1000

        c["bwd"], _ = bench_fn(bwd, "layer", own_time=True)
    return cases


def main():
    import torchvision

    res = {"torch": torch.__version__, "torchvision": torchvision.__version__, "threads": threads, "nets": {}}
    infer_batches = cfg["inferBatches"]
    for net in cfg["nets"]:
        name, (c, h, w), classes, batch = net["name"], net["input"], net["classes"], net["batch"]
        t_start = time.perf_counter()
        torch.manual_seed(0)
        m = build(name, classes)
        fc_in = fit_classifier(m, c, h, w)
        has_bn = any(isinstance(mod, nn.BatchNorm2d) for mod in m.modules())
        has_dropout = any(isinstance(mod, nn.Dropout) for mod in m.modules())
        if has_bn:
            m.train()
            with torch.no_grad():
                m(torch.randn(4, c, h, w))
        save_safetensors(m.state_dict(), os.path.join(work, f"{name}.weights.safetensors"))
        gen = torch.Generator().manual_seed(1)
        x_train = torch.randn(batch, c, h, w, generator=gen)
        y_train = torch.randint(0, classes, (batch,), generator=gen)
        x_infer = torch.randn(max(infer_batches), c, h, w, generator=gen)
        save_safetensors({"x_train": x_train, "y_train": y_train, "x_infer": x_infer},
                         os.path.join(work, f"{name}.inputs.safetensors"))
        m.eval()
        torch.onnx.export(m, x_infer[:1], os.path.join(work, f"{name}.onnx"), input_names=["x"],
                          output_names=["logits"], dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=13, do_constant_folding=True)
        r = {"infer": {}, "reps": {}, "fcIn": fc_in, "bn": has_bn, "dropout": has_dropout,
             "params": sum(p.numel() for p in m.parameters())}
        with torch.no_grad():
            outs = {f"logits{b}": m(x_infer[:b]) for b in infer_batches}
            save_safetensors(outs, os.path.join(work, f"{name}.pytorch.out.safetensors"))
            for b in infer_batches:
                xb = x_infer[:b].contiguous()
                r["infer"][str(b)], r["reps"][f"infer{b}"] = bench_fn(lambda: m(xb), "infer")
        m.train()
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        losses = []

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(m(x_train), y_train)
            loss.backward()
            opt.step()
            losses.append(loss.item())

        r["train"], r["reps"]["train"] = bench_fn(step, "train")
        r["loss0"] = losses[0]
        if cfg.get("convShapes") == name:
            torch.manual_seed(0)
            m2 = build(name, classes)
            fit_classifier(m2, c, h, w)
            cases = conv_shapes(m2.train(), x_train)
            r["convs"] = time_convs(cases)
        r["wall_s"] = time.perf_counter() - t_start
        res["nets"][name] = r
        print(f"pytorch: {name} done in {r['wall_s']:.1f} s", file=sys.stderr, flush=True)
    with open(os.path.join(work, "pytorch.json"), "w") as f:
        json.dump(res, f)


main()
