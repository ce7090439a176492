#!/usr/bin/env python3
"""The MNIST MLP of the benchmark in plain numpy, for comparison.

dense:128,relu,dense:64,relu,dense:10 (other hidden widths with --hidden)
with softmax cross-entropy, batch 64 (--batch),
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
    dims = [784] + args.hidden + [10]
    L = len(dims) - 1
    W = [(rng.standard_normal((dims[i], dims[i + 1])) * np.sqrt(2.0 / dims[i])).astype(np.float32)
         for i in range(L)]
    b = [np.zeros(dims[i + 1], np.float32) for i in range(L)]
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
            hs = [x]
            for i in range(L - 1):
                hs.append(np.maximum(hs[-1] @ W[i] + b[i], 0))
            z = hs[-1] @ W[L - 1] + b[L - 1]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            dz = p
            dz[np.arange(n), y] -= 1
            dz /= n
            dW = [None] * L
            db = [None] * L
            for i in range(L - 1, -1, -1):
                dW[i] = hs[i].T @ dz
                db[i] = dz.sum(0)
                if i > 0:
                    dz = (dz @ W[i].T) * (hs[i] > 0)
            grads = dW + db
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
        h = xte_f
        for i in range(L - 1):
            h = np.maximum(h @ W[i] + b[i], 0)
        acc = ((h @ W[L - 1] + b[L - 1]).argmax(1) == yte).mean()
        print(f"epoch {epoch + 1} seconds {secs:.3f} samples_per_second {len(xtr) / secs:.0f} "
              f"test_accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
