#!/usr/bin/python3
"""check-conv.py CONV-DUMP: convolution and pooling against PyTorch.

For each network below, conv-dump (conv-dump.c) runs one forward and
backward pass of the engine on random data and writes the model file and
the numbers; this script builds the same nn.Sequential (with the
nn.Flatten the spec leaves out before a dense layer on an image), loads
the model file into it with strict=True, repeats the pass and compares
the outputs, the input gradient and every parameter's gradient to 1e-4
of their size. The model file is read as safetensors by hand (an 8-byte
header length, the JSON header, the raw tensors), without extra packages.
Exits 77 (skipped) when torch is not installed.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:
    print(f"skipped: {e} (python3-torch and python3-numpy are needed)")
    sys.exit(77)

TOLERANCE = 1e-4

CASES = [
    # spec, (C, H, W), batch
    ("conv:4:3:1:1,relu,maxpool:2,conv:3:3:2,tanh,avgpool:2,dense:5", (2, 12, 12), 3),
    ("conv:6:5,relu,maxpool:3:2,conv:5:2:1:1,sigmoid,avgpool:2:1,flatten,dense:4", (1, 14, 13), 2),
    ("conv:3:1,leaky_relu:0.1,maxpool:2:1,conv:2:4:3:3", (3, 7, 9), 1),
    ("conv:6:5,relu,maxpool:2,conv:16:5,relu,maxpool:2,dense:120,relu,dense:84,relu,dense:10",
     (1, 28, 28), 4),
    ("dense:6,relu,dense:3", (1, 5, 5), 2),
    # A softmax on an image is over all its features, not nn.Softmax(dim=1)'s
    # channels: the module gets the nn.Flatten, which shifts the indices.
    ("conv:3:3,relu,softmax,dense:4", (2, 6, 6), 2),
]

DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        tensors[name] = np.frombuffer(body[a:b], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    return meta, tensors


def sequential(spec, shape):
    """The nn.Sequential of a spec on per-sample input shape (C, H, W)."""
    modules = []
    for i, layer in enumerate(spec.split(",")):
        kind, *args = layer.split(":")
        a = [float(v) for v in args]
        if kind == "conv":
            f, k = int(a[0]), int(a[1])
            s = int(a[2]) if len(a) > 2 else 1
            p = int(a[3]) if len(a) > 3 else 0
            modules.append(nn.Conv2d(shape[0], f, k, stride=s, padding=p))
            shape = (f, (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
        elif kind in ("maxpool", "avgpool"):
            k = int(a[0])
            s = int(a[1]) if len(a) > 1 else k
            modules.append((nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d)(k, s))
            shape = (shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1)
        elif kind == "dense":
            features = int(np.prod(shape))
            if len(shape) > 1 and i > 0:
                modules.append(nn.Flatten())
            modules.append(nn.Linear(features, int(a[0])))
            shape = (int(a[0]),)
        elif kind == "softmax":
            if len(shape) > 1 and i > 0:
                modules.append(nn.Flatten())
            modules.append(nn.Softmax(dim=1))
            shape = (int(np.prod(shape)),)
        elif kind == "flatten":
            modules.append(nn.Flatten())
            shape = (int(np.prod(shape)),)
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "leaky_relu":
            modules.append(nn.LeakyReLU(a[0] if a else 0.01))
        elif kind == "tanh":
            modules.append(nn.Tanh())
        elif kind == "sigmoid":
            modules.append(nn.Sigmoid())
        else:
            raise SystemExit(f"check-conv.py does not know the layer {kind!r}")
    return nn.Sequential(*modules)


def rel_err(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


def check(dump, spec, shape, n, tmp):
    subprocess.run([dump, spec, *map(str, shape), str(n), tmp], check=True)
    _, weights = read_safetensors(os.path.join(tmp, "model.safetensors"))
    meta, io = read_safetensors(os.path.join(tmp, "io.safetensors"))
    assert meta["spec"] == spec

    model = sequential(spec, shape)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()},
                          strict=True)
    x = torch.from_numpy(io["x"].copy()).requires_grad_(True)
    # A first dense layer reads the input flat: its module takes [N, features].
    inp = x.reshape(n, -1) if spec.startswith("dense") else x
    y = model(inp).reshape(n, -1)
    (y * torch.from_numpy(io["r"].copy())).sum().backward()

    errors = {"y": rel_err(io["y"], y.detach().numpy()),
              "dx": rel_err(io["dx"], x.grad.numpy())}
    grads, offset = io["grads"], 0
    params = dict(model.named_parameters())
    for name, value in model.state_dict().items():
        size = value.numel()
        if name in params:
            errors[name] = rel_err(grads[offset:offset + size],
                                   params[name].grad.numpy().reshape(-1))
        offset += size
    assert offset == grads.size, (offset, grads.size)
    worst = max(errors.values())
    print(f"{spec} on {shape}, batch {n}: largest relative difference {worst:.1e}")
    bad = {k: v for k, v in errors.items() if v > TOLERANCE}
    if bad:
        print(f"  over {TOLERANCE}: {bad}")
        return False
    return True


def main():
    torch.set_num_threads(1)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for spec, shape, n in CASES:
            ok = check(sys.argv[1], spec, shape, n, tmp) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
