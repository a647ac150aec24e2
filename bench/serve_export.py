#!/usr/bin/python3
# bench/serve_export.py — the ONNX side of bench/serve.js (Debian's /usr/bin/python3: python3-torch
# 1.13, python3-torchvision). argv: ARCH WEIGHTS OUT.onnx C H W. Loads the weights torchlet saved
# (a state dict with PyTorch's keys) into PyTorch's definition of the same network (the seed's
# FashionCNN from test/fixtures/seed_models.py, or torchvision's resnet18), strictly, and exports it
# in eval mode with torch.onnx.export (opset 13, a dynamic batch axis), so that both servers serve
# the same weights. Also runs on the lent GPU machine (bench/gpu.sh serve): PyTorch 2.x there, where
# torchvision may be missing (then _ResNet18 below, torchvision's layout and state-dict keys) and
# torch.onnx.export defaults to the dynamo exporter (the TorchScript one is asked for by name).
# argv[7:] (optional): SCALE MEAN STD (MEAN, STD comma-separated per channel): the exported graph then
# takes uint8 pixels and normalises them first, (pixel * scale - mean[c]) / std[c] (Cast, Mul, Sub,
# Div in the graph), as torchlet serve does with X-Dtype: uint8 (bench/serve.js --input uint8).
import inspect
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "fixtures"))
import seed_models  # noqa: E402

nn = torch.nn


class _Block(nn.Module):
    """torchvision's BasicBlock: conv-bn-relu-conv-bn, plus the input (or its 1x1 stride-2 projection)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class _ResNet18(nn.Module):
    """torchvision.models.resnet18 where torchvision is not installed: the same modules and names."""

    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths, cin = [64, 128, 256, 512], 64
        for i, w in enumerate(widths):
            s = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(_Block(cin, w, s), _Block(w, w, 1)))
            cin = w
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


arch, weights, out = sys.argv[1], sys.argv[2], sys.argv[3]
c, h, w = (int(v) for v in sys.argv[4:7])
if arch == "fashion-cnn":
    m = seed_models.FashionCNN()
elif arch == "resnet18":
    classes = seed_models.load_safetensors(weights)["fc.weight"].shape[0]
    try:
        import torchvision

        m = torchvision.models.resnet18(num_classes=classes)
    except ImportError:
        m = _ResNet18(classes)
else:
    raise SystemExit(f"unknown architecture {arch}")
sd = {k: torch.as_tensor(v) for k, v in seed_models.load_safetensors(weights).items()}
m.load_state_dict(sd, strict=True)
m.eval()
x = torch.zeros(1, c, h, w)
if len(sys.argv) > 7:
    scale = float(sys.argv[7])
    mean = torch.tensor([float(v) for v in sys.argv[8].split(",")]).reshape(-1, 1, 1)
    std = torch.tensor([float(v) for v in sys.argv[9].split(",")]).reshape(-1, 1, 1)

    class _Pixels(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, p):
            return self.net((p.float() * scale - mean) / std)

    m = _Pixels(m).eval()
    x = torch.zeros(1, c, h, w, dtype=torch.uint8)
kw = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
torch.onnx.export(m, x, out, opset_version=13, input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **kw)
print(out)
