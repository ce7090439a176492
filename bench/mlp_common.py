"""What bench/numpy_mlp.py, bench/torch_mlp.py and bench/torch_cnn.py share:
the command line and reading MNIST's IDX .gz files into numpy arrays."""
import argparse
import gzip
import os
import struct

import numpy as np


def parse_args(extra=None, optimizers=("sgd", "adam"), optimizer="sgd"):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=os.environ.get("BACKPROP_DATA_DIR", "../shared/datasets"))
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--optimizer", choices=list(optimizers), default=optimizer)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hidden", default="128,64",
                    help="widths of the hidden layers, comma-separated (default 128,64)")
    if extra:
        extra(ap)
    args = ap.parse_args()
    args.hidden = [int(w) for w in args.hidden.split(",") if w]
    if args.lr is None:
        args.lr = 0.001 if args.optimizer == "adam" else 0.01
    return args


def spec(hidden):
    """backprop-cli's --net for an MLP with these hidden widths on MNIST."""
    return ",".join(f"dense:{w},relu" for w in hidden) + ",dense:10"


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(args):
    """Train and test images as (n, 784) uint8 and labels as int64."""
    d = os.path.join(args.data_dir, args.dataset)
    xtr = load_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    ytr = load_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xte = load_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
    yte = load_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    return xtr, ytr, xte, yte
