#!/usr/bin/python3
# bench/serve_export.py — the ONNX side of bench/serve.js (Debian's /usr/bin/python3: python3-torch
# 1.13, python3-torchvision). argv: ARCH WEIGHTS OUT.onnx C H W. Loads the weights torchlet saved
# (a state dict with PyTorch's keys) into PyTorch's definition of the same network (the seed's
# FashionCNN from test/fixtures/seed_models.py, or torchvision's resnet18), strictly, and exports it
# in eval mode with torch.onnx.export (opset 13, a dynamic batch axis), so that both servers serve
# the same weights.
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "fixtures"))
import seed_models  # noqa: E402

arch, weights, out = sys.argv[1], sys.argv[2], sys.argv[3]
c, h, w = (int(v) for v in sys.argv[4:7])
if arch == "fashion-cnn":
    m = seed_models.FashionCNN()
elif arch == "resnet18":
    import torchvision

    sd = seed_models.load_safetensors(weights)
    m = torchvision.models.resnet18(num_classes=sd["fc.weight"].shape[0])
else:
    raise SystemExit(f"unknown architecture {arch}")
sd = {k: torch.as_tensor(v) for k, v in seed_models.load_safetensors(weights).items()}
m.load_state_dict(sd, strict=True)
m.eval()
x = torch.zeros(1, c, h, w)
torch.onnx.export(m, x, out, opset_version=13, input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
print(out)
