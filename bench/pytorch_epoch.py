#!/usr/bin/python3
"""PyTorch CPU baseline: one epoch of the seed FashionCNN recipe.

Usage:
  /usr/bin/python3 bench/pytorch_epoch.py [--threads 2] [--data DIR] [--batches N] [--seed 0]
                                          [--device cpu|cuda] [--repeat N]
  /usr/bin/python3 bench/pytorch_epoch.py --layers [--threads 2] [--reps 7]
  /usr/bin/python3 bench/pytorch_epoch.py --gemm [--threads 2] [--reps 7]

Recipe: conv1 Conv2d(1,32,3,p=1) -> relu -> maxpool2 -> conv2 Conv2d(32,64,3,p=1) -> relu ->
maxpool2 -> flatten -> fc1 Linear(3136,128) -> relu -> Dropout(0.5) -> fc2 Linear(128,10);
kaiming_normal_(fan_out, relu) weights, zero biases; Adam(lr=1e-3, weight_decay=1e-4);
CrossEntropyLoss; batch 256; 48,000/12,000 random split of the 60,000 training images;
inputs (x/255 - 0.5)/0.5.  IDX files are read with gzip + numpy (no torchvision).

--layers: forward and backward ms (median) of conv1, conv2 and fc1 alone and of the blocks the
model runs them in (conv -> relu -> max_pool2d(2), fc1 -> relu), batch 256, upstream gradient ones.
--gemm: float32 torch.mm GFLOP/s (median) at 256, 1024 and 2048 square (PyTorch's BLAS: OpenBLAS
with Debian's libopenblas0-pthread).

--device cuda: model and all data on the GPU before timing, TF32 off (cuda.matmul and cudnn),
a few warm-up batches first, torch.cuda.synchronize() before each clock reading; --repeat N
times N epochs and reports the median (and all of them).

Prints one JSON line.  Timings: train_s = the 188 training batches (data already in memory
as tensors, shuffled with randperm), val_s = 12,000 validation images (eval, no_grad).
"""
import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    assert magic >> 8 == 0x08, f"{path}: not an unsigned-byte IDX file (magic {magic:#x})"
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def find(data_dir, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{stem}(.gz) not found in {data_dir}")


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, 10)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def epoch(args):
    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(args.seed)
    imgs = read_idx(find(args.data, "train-images-idx3-ubyte"))
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    assert imgs.shape == (60000, 28, 28) and labels.shape == (60000,)
    x_all = (torch.from_numpy(imgs.astype(np.float32)).unsqueeze(1) / 255.0 - 0.5) / 0.5
    y_all = torch.from_numpy(labels.astype(np.int64))
    perm = torch.randperm(60000, generator=torch.Generator().manual_seed(args.seed))
    tr_idx, va_idx = perm[:48000], perm[48000:]
    x_tr, y_tr = x_all[tr_idx].contiguous().to(dev), y_all[tr_idx].contiguous().to(dev)
    x_va, y_va = x_all[va_idx].contiguous().to(dev), y_all[va_idx].contiguous().to(dev)

    model = FashionCNN().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    crit = nn.CrossEntropyLoss()
    bs = args.batch_size
    n_batches = (48000 + bs - 1) // bs
    if args.batches:
        n_batches = min(n_batches, args.batches)

    def train_batches(order, count):
        loss_sum, seen = 0.0, 0
        for b in range(count):
            idx = order[b * bs:(b + 1) * bs]
            xb, yb = x_tr[idx], y_tr[idx]
            opt.zero_grad(set_to_none=True)
            loss = crit(model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
        return loss_sum, seen

    if dev.type == "cuda":  # warm-up: kernels loaded, allocator caches filled
        model.train()
        train_batches(torch.randperm(48000, device=dev), 5)
        sync()
    runs = []
    for _ in range(args.repeat):
        model.train()
        sync()
        t0 = time.perf_counter()
        order = torch.randperm(48000, device=dev)
        loss_sum, seen = train_batches(order, n_batches)
        sync()
        t1 = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, x_va.shape[0], bs):
                pred = model(x_va[s:s + bs]).argmax(1)
                correct += (pred == y_va[s:s + bs]).sum().item()
        sync()
        t2 = time.perf_counter()
        runs.append({"train_s": t1 - t0, "val_s": t2 - t1, "epoch_s": t2 - t0,
                     "train_loss": loss_sum / seen, "val_acc": correct / x_va.shape[0]})
    med = sorted(runs, key=lambda r: r["epoch_s"])[(len(runs) - 1) // 2]

    print(json.dumps({
        "impl": "pytorch", "device": str(dev), "threads": torch.get_num_threads(),
        "tf32": False if dev.type == "cuda" else None,
        "gpu": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None,
        "train_s": round(med["train_s"], 3), "val_s": round(med["val_s"], 3), "epoch_s": round(med["epoch_s"], 3),
        "train_loss": round(med["train_loss"], 5), "val_acc": round(med["val_acc"], 5),
        "epochs_s": [round(r["epoch_s"], 3) for r in runs],
        "train_batches": n_batches, "batch_size": bs, "torch": torch.__version__,
    }))


def layers(args):
    torch.manual_seed(args.seed)
    bs = args.batch_size
    conv1, conv2, fc1 = nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1), nn.Linear(3136, 128)
    specs = {
        # (function, modules, input shape, input needs grad as in training)
        "conv1": (conv1, [conv1], (bs, 1, 28, 28), False),
        "conv2": (conv2, [conv2], (bs, 32, 14, 14), True),
        "fc1": (fc1, [fc1], (bs, 3136), True),
        "conv1_relu_pool": (lambda x: F.max_pool2d(F.relu(conv1(x)), 2), [conv1], (bs, 1, 28, 28), False),
        "conv2_relu_pool": (lambda x: F.max_pool2d(F.relu(conv2(x)), 2), [conv2], (bs, 32, 14, 14), True),
        "fc1_relu": (lambda x: F.relu(fc1(x)), [fc1], (bs, 3136), True),
    }
    res = {"impl": "pytorch", "mode": "layers", "threads": torch.get_num_threads(), "batch_size": bs,
           "reps": args.reps, "stat": "median", "torch": torch.__version__}
    for name, (fn, mods, shape, need_gx) in specs.items():
        x = torch.randn(shape).requires_grad_(need_gx)
        fwd, bwd = [], []
        for r in range(args.reps + 2):  # 2 warm-up reps
            for m in mods:
                m.zero_grad(set_to_none=True)
            t0 = time.perf_counter()
            y = fn(x)
            t1 = time.perf_counter()
            g = torch.ones_like(y)
            t2 = time.perf_counter()
            y.backward(g)
            t3 = time.perf_counter()
            x.grad = None
            if r >= 2:
                fwd.append((t1 - t0) * 1e3)
                bwd.append((t3 - t2) * 1e3)
        res[name] = {"forward_ms": round(statistics.median(fwd), 3),
                     "backward_ms": round(statistics.median(bwd), 3),
                     "input": list(shape), "input_grad": need_gx}
    print(json.dumps(res))


def gemm(args):
    res = {"impl": "pytorch", "mode": "gemm", "threads": torch.get_num_threads(), "reps": args.reps,
           "stat": "median", "torch": torch.__version__}
    for n in (256, 1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        out = torch.empty(n, n)
        times = []
        reps = args.reps if n >= 1024 else args.reps * 20
        for r in range(reps + 2):
            t0 = time.perf_counter()
            torch.mm(a, b, out=out)
            t1 = time.perf_counter()
            if r >= 2:
                times.append(t1 - t0)
        res[str(n)] = {"gflops": round(2 * n ** 3 / statistics.median(times) / 1e9, 1)}
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--batches", type=int, default=0, help="limit training batches (0 = all 188)")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", action="store_true", help="per-layer forward/backward timing instead")
    ap.add_argument("--gemm", action="store_true", help="matrix-product GFLOP/s instead")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (epoch mode)")
    ap.add_argument("--repeat", type=int, default=1, help="timed epochs; the median is reported")
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.layers:
        layers(args)
    elif args.gemm:
        gemm(args)
    else:
        epoch(args)


if __name__ == "__main__":
    main()
