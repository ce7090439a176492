#!/usr/bin/env python3
"""The MNIST MLP of the benchmark in plain numpy, for comparison.

dense:128,relu,dense:64,relu,dense:10 with softmax cross-entropy, batch 64,
the same way the classic "neural network from scratch" notebooks write it:
X @ W + b forward, the transposed products backward, plain SGD or Adam.
Prints samples per second and test accuracy per epoch. Reads the IDX .gz
files from --data-dir (the folder holding mnist/). Uses only numpy.

  python3 bench/numpy_mlp.py --data-dir ../shared/datasets [--optimizer adam] [--epochs 1]
"""
import time

import numpy as np

from mlp_common import load_mnist, parse_args


def main():
    args = parse_args()
    lr = args.lr

    t0 = time.perf_counter()
    xtr, ytr, xte, yte = load_mnist(args)
    print(f"load_seconds {time.perf_counter() - t0:.3f}")

    rng = np.random.default_rng(args.seed)
    dims = [784, 128, 64, 10]
    W = [(rng.standard_normal((dims[i], dims[i + 1])) * np.sqrt(2.0 / dims[i])).astype(np.float32)
         for i in range(3)]
    b = [np.zeros(dims[i + 1], np.float32) for i in range(3)]
    params = W + b
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    xte_f = xte.astype(np.float32) / 255.0

    for epoch in range(args.epochs):
        order = rng.permutation(len(xtr))
        t0 = time.perf_counter()
        for start in range(0, len(order), args.batch):
            idx = order[start:start + args.batch]
            x = xtr[idx].astype(np.float32) / 255.0
            y = ytr[idx]
            n = len(idx)
            h1 = np.maximum(x @ W[0] + b[0], 0)
            h2 = np.maximum(h1 @ W[1] + b[1], 0)
            z = h2 @ W[2] + b[2]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            dz = p
            dz[np.arange(n), y] -= 1
            dz /= n
            dW2 = h2.T @ dz
            db2 = dz.sum(0)
            dh2 = (dz @ W[2].T) * (h2 > 0)
            dW1 = h1.T @ dh2
            db1 = dh2.sum(0)
            dh1 = (dh2 @ W[1].T) * (h1 > 0)
            dW0 = x.T @ dh1
            db0 = dh1.sum(0)
            grads = [dW0, dW1, dW2, db0, db1, db2]
            step += 1
            if args.optimizer == "sgd":
                for pr, g in zip(params, grads):
                    pr -= lr * g
            else:
                for i, (pr, g) in enumerate(zip(params, grads)):
                    m[i] = 0.9 * m[i] + 0.1 * g
                    v[i] = 0.999 * v[i] + 0.001 * g * g
                    mh = m[i] / (1 - 0.9 ** step)
                    vh = v[i] / (1 - 0.999 ** step)
                    pr -= lr * mh / (np.sqrt(vh) + 1e-8)
        secs = time.perf_counter() - t0
        h = np.maximum(xte_f @ W[0] + b[0], 0)
        h = np.maximum(h @ W[1] + b[1], 0)
        acc = ((h @ W[2] + b[2]).argmax(1) == yte).mean()
        print(f"epoch {epoch + 1} seconds {secs:.3f} samples_per_second {len(xtr) / secs:.0f} "
              f"test_accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
