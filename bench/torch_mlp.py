#!/usr/bin/env python3
"""The MNIST MLP of the issue in PyTorch, as a reference for accuracy and speed.

nn.Sequential(Linear(784,128), ReLU, Linear(128,64), ReLU, Linear(64,10)) (other
hidden widths with --hidden; --threads for torch.set_num_threads, default 1,
its best setting on the 2 shared cores measured here) with
PyTorch's default initialisation, cross-entropy from logits, pixels scaled
to [0, 1] (ToTensor) or also standardised (--normalize, Normalize((0.1307,),
(0.3081,))), a shuffled batch per step. Prints samples per second and test
accuracy per epoch. Reads the IDX .gz files from --data-dir; needs only torch
(Debian: apt-get install python3-torch, which brings numpy), no torchvision.

  python3 bench/torch_mlp.py --data-dir ../shared/datasets --optimizer adam --epochs 3 --seed 1
"""
import time

import torch
from torch import nn

from mlp_common import load_mnist, parse_args


def main():
    def extra(ap):
        ap.add_argument("--threads", type=int, default=1)
        ap.add_argument("--normalize", action="store_true")

    args = parse_args(extra)
    lr = args.lr
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr, ytr, xte, yte = (torch.from_numpy(a.copy()) for a in load_mnist(args))

    def prep(x):
        x = x.float() / 255.0
        return (x - 0.1307) / 0.3081 if args.normalize else x

    dims = [784] + args.hidden
    layers = []
    for i in range(len(dims) - 1):
        layers += [nn.Linear(dims[i], dims[i + 1]), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(dims[-1], 10))
    loss_fn = nn.CrossEntropyLoss()
    if args.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    xte_f = prep(xte)

    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xtr))
        t0 = time.perf_counter()
        for start in range(0, len(order), args.batch):
            idx = order[start:start + args.batch]
            x = prep(xtr[idx])
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
