"""PyTorch side of the autoencoder benchmarks.

Trains the reference models on Fashion-MNIST with MSE and Adam 1e-3, using the batch order
hourglass uses (read from --order), and prints one JSON line: samples/s per epoch, test
MSE, inference rate and peak RSS.
  dense: 784-256-64-32-64-256-784, ReLU, linear bottleneck, sigmoid output
  conv:  Conv2d(1,32,3,p1) ReLU MaxPool2 Conv2d(32,64,3,p1) ReLU MaxPool2
         ConvT(64,32,3,s2,p1,op1) ReLU ConvT(32,1,3,s2,p1,op1) Sigmoid
Run with Debian's python3-torch: /usr/bin/python3 bench/torch_reference.py ...
"""
import argparse
import gzip
import json
import os
import resource
import time

import numpy as np
import torch


def reference_model(kind):
    nn = torch.nn
    if kind == "dense":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 32),
            nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid(),
            nn.Unflatten(1, (1, 28, 28)),
        )
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
    )


def read_idx_images(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    n, h, w = (int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32) / 255.0


def find(data_dir, stem):
    for root, _, files in os.walk(data_dir):
        for name in files:
            if name.startswith(stem):
                return os.path.join(root, name)
    raise SystemExit(f"{stem} not found under {data_dir}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["dense", "conv"], default="dense")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--order", required=True, help="uint32 file: epochs x n sample indices")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=0, help="0 = torch default")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    train = torch.from_numpy(read_idx_images(find(args.data_dir, "train-images")))
    test = torch.from_numpy(read_idx_images(find(args.data_dir, "t10k-images")))
    n = train.shape[0]
    order = np.fromfile(args.order, dtype=np.uint32).reshape(-1, n)[: args.epochs]

    model = reference_model(args.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    rates = []
    for epoch in range(args.epochs):
        idx = torch.from_numpy(order[epoch].astype(np.int64))
        start = time.perf_counter()
        for lo in range(0, n, args.batch_size):
            batch = train[idx[lo: lo + args.batch_size]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch), batch)
            loss.backward()
            opt.step()
        rates.append(n / (time.perf_counter() - start))
    model.eval()
    with torch.no_grad():
        # Median of five passes over the test set: one pass takes a fraction of a second.
        infer_rates = []
        for _ in range(5):
            start = time.perf_counter()
            out = torch.cat([model(test[lo: lo + 1024]) for lo in range(0, test.shape[0], 1024)])
            infer_rates.append(test.shape[0] / (time.perf_counter() - start))
        infer_rate = sorted(infer_rates)[2]
        test_mse = float(((out - test) ** 2).mean())
    print(json.dumps({
        "impl": "pytorch",
        "model": args.model,
        "threads": torch.get_num_threads(),
        "blasThreads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "epochRates": rates,
        "testMse": test_mse,
        "inferenceRate": infer_rate,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


main()
