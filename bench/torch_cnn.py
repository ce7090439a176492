#!/usr/bin/env python3
"""The LeNet-5-like network of backprop-cli's CNN bench in PyTorch.

nn.Sequential(Conv2d(1,6,5), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU,
MaxPool2d(2), Flatten, Linear(256,120), ReLU, Linear(120,84), ReLU,
Linear(84,10)), which is backprop-cli's
  conv:6:5,relu,maxpool:2,conv:16:5,relu,maxpool:2,dense:120,relu,dense:84,relu,dense:10
with PyTorch's default initialisation, cross-entropy from logits, pixels
scaled to [0, 1], a shuffled batch of 64 per step and SGD with momentum 0.9,
lr 0.01 (as the bench). --threads sets torch.set_num_threads (default 1:
on the 2 shared cores measured here, 2 threads are slower, their OpenMP and
OpenBLAS threads contending). Prints samples per second and test accuracy
per epoch. Reads the IDX .gz files from --data-dir; needs only torch.

  python3 bench/torch_cnn.py --data-dir ../shared/datasets --epochs 3 --threads 1
"""
import time

import torch
from torch import nn

from mlp_common import load_mnist, parse_args


def main():
    def extra(ap):
        ap.add_argument("--threads", type=int, default=1)

    args = parse_args(extra, optimizers=("sgd", "momentum", "adam"), optimizer="momentum")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr, ytr, xte, yte = (torch.from_numpy(a.copy()) for a in load_mnist(args))
    xtr = xtr.view(-1, 1, 28, 28)
    xte_f = xte.view(-1, 1, 28, 28).float() / 255.0

    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    loss_fn = nn.CrossEntropyLoss()
    if args.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=args.lr,
                              momentum=0.9 if args.optimizer == "momentum" else 0.0)

    print(f"threads {torch.get_num_threads()} interop_threads {torch.get_num_interop_threads()}",
          flush=True)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xtr))
        t0 = time.perf_counter()
        for start in range(0, len(order), args.batch):
            idx = order[start:start + args.batch]
            x = xtr[idx].float() / 255.0
            loss = loss_fn(model(x), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        dt = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            acc = (model(xte_f).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch + 1} seconds {dt:.3f} samples_per_second {len(xtr) / dt:.0f} "
              f"test_accuracy {acc:.4f}", flush=True)


if __name__ == "__main__":
    main()
