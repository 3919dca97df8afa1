#!/usr/bin/env python3
"""PyTorch CPU twin of `coreg bench train`: the same models, batch, loss and optimiser.
Prints one JSON object per line with train_images_per_s and infer_images_per_s (medians)."""
import argparse, json, statistics, sys, time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"bench": "train", "error": "torch not importable"}))
    sys.exit(0)


class CNNSmall(nn.Module):
    def __init__(self, cin, classes):
        super().__init__()
        def block(i, o, pool):
            layers = [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
            return layers + ([nn.MaxPool2d(2)] if pool else [])
        self.features = nn.Sequential(*block(cin, 32, True), *block(32, 64, True), *block(64, 128, False),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        return self.fc(self.features(x))


class PreActBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(i)
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        if stride != 1 or i != o:
            self.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        sc = self.shortcut(out) if hasattr(self, "shortcut") else x
        out = self.conv2(F.relu(self.bn2(self.conv1(out))))
        return out + sc


class PreActResNet18(nn.Module):
    def __init__(self, cin, classes, size):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, inp = [], 64
        for i, planes in enumerate([64, 128, 256, 512]):
            first = (2 if size >= 64 else 1) if i == 0 else 2
            blocks = []
            for s in (first, 1):
                blocks.append(PreActBlock(inp, planes, s))
                inp = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.linear = nn.Linear(512, classes)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.layer4(self.layer3(self.layer2(self.layer1(h))))
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="cnn_small")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--input", default="1x28x28")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    c, h, w = (int(v) for v in a.input.lower().split("x"))
    model = CNNSmall(c, 10) if a.model == "cnn_small" else PreActResNet18(c, 10, h)
    x = torch.randn(a.batch, c, h, w)
    y = torch.randint(0, 10, (a.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    train = []
    model.train()
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i >= a.warmup:
            train.append(time.perf_counter() - t0)
    infer = []
    model.eval()
    with torch.no_grad():
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            model(x)
            if i >= a.warmup:
                infer.append(time.perf_counter() - t0)
    tm, im = statistics.median(train), statistics.median(infer)
    print(json.dumps({"bench": "train", "impl": "pytorch", "torch": torch.__version__, "model": a.model,
                      "batch": a.batch, "input": a.input, "threads": a.threads,
                      "train_step_ms": tm * 1e3, "infer_ms": im * 1e3,
                      "train_images_per_s": a.batch / tm, "infer_images_per_s": a.batch / im}))


if __name__ == "__main__":
    main()
