#!/usr/bin/python3
"""PyTorch as the oracle for Backprop's batch norm.

Usage: check-batchnorm.py BN-ORACLE WORKDIR

BN-ORACLE (bn-oracle.c) trains two small networks a few steps and saves
them, with evaluation outputs and one more training-mode forward and
backward beside each. Here each model file must load into the equivalent
nn.Sequential with strict=True (num_batches_tracked an int64 scalar), give
the same evaluation outputs, and the same training-mode outputs, input
gradient, parameter gradients and running statistics after the step.
Exits 77 (skipped) when torch is not installed.
"""
import json
import os
import struct
import subprocess
import sys

try:
    import torch
    from torch import nn
except ImportError:
    print("torch is not installed: the PyTorch oracle check is skipped.")
    sys.exit(77)

TOL = 1e-4
DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    """The tensors of a safetensors file, as torch tensors (torch 1.13 has no reader)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return header, out


def close(name, got, want):
    err = (got.double() - want.double()).abs().max().item() if got.numel() else 0.0
    scale = max(1.0, want.double().abs().max().item()) if want.numel() else 1.0
    ok = err <= TOL * scale
    print(f"  {name:28s} max |diff| {err:.2e} {'ok' if ok else 'FAILED'}")
    return ok


def check(workdir, name, model):
    header, state = read_safetensors(os.path.join(workdir, name + ".safetensors"))
    _, io = read_safetensors(os.path.join(workdir, name + "-io.safetensors"))
    print(f"{name}: {model}")
    ok = True
    counts = [k for k in header if k.endswith("num_batches_tracked")]
    for k in counts:
        if header[k]["dtype"] != "I64" or header[k]["shape"] != []:
            print(f"  {k} is {header[k]['dtype']} {header[k]['shape']}, not I64 []")
            ok = False
    model.load_state_dict(state, strict=True)
    for k in counts:
        print(f"  {k} = {model.state_dict()[k].item()} ({model.state_dict()[k].dtype})")
        ok &= model.state_dict()[k].dtype == torch.int64 and model.state_dict()[k].item() == 4

    model.eval()
    with torch.no_grad():
        ex = io["eval.x"]
        ok &= close("eval outputs", model(ex.reshape([ex.shape[0]] + list(model.input_shape))),
                    io["eval.y"])

    model.train()
    x = io["train.x"].clone().requires_grad_(True)
    shape = [x.shape[0]] + list(model.input_shape)
    xs = x.reshape(shape)
    y = model(xs)
    ok &= close("training outputs", y, io["train.y"])
    (y * io["train.dout"]).sum().backward()
    ok &= close("input gradient", x.grad, io["train.dx"])
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    for key, want in io.items():
        if key.startswith("grad."):
            ok &= close(key, params[key[5:]].grad, want)
        elif key.startswith("after."):
            ok &= close(key, buffers[key[6:]].to(torch.float32), want)
    return ok


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    oracle, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    subprocess.run([oracle, workdir], check=True)
    torch.manual_seed(0)

    bn1d = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))
    bn1d.input_shape = (4,)
    bn2d = nn.Sequential(nn.ReLU(), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(50, 3))
    bn2d.input_shape = (2, 5, 5)
    ok = check(workdir, "bn1d", bn1d)
    ok &= check(workdir, "bn2d", bn2d)
    print("all match" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
