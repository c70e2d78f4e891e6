"""PyTorch side of the anomaly-scoring throughput benchmark.

Loads the dense autoencoder that hourglass trained (an hourglass model file, through
scripts/torch_model.py), scores the samples of an .npy file as hourglass does (standardised first when
--standardize gives the scaler's mean and std; per-sample mean squared reconstruction error;
batches of --batch-size; no_grad, eval mode) and prints
one JSON line: images/s per repetition and the scores' checksum, so both sides can be
checked to compute the same thing.
Run with Debian's python3-torch: /usr/bin/python3 bench/detect_torch.py MODEL --input X.npy
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from torch_model import load_model  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--input", required=True)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="0 = torch default")
    p.add_argument("--standardize", help=".npy [2, features]: mean and std; inputs are standardised per batch, as the detector does")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, _ = load_model(args.model)
    x = torch.from_numpy(np.ascontiguousarray(np.load(args.input), dtype=np.float32))
    mean, std = (torch.from_numpy(np.load(args.standardize).astype(np.float32)) if args.standardize else (None, None))
    n = x.shape[0]
    rates = []
    scores = None
    with torch.no_grad():
        for _ in range(args.reps):
            start = time.perf_counter()
            parts = []
            for lo in range(0, n, args.batch_size):
                batch = x[lo: lo + args.batch_size]
                if mean is not None:
                    batch = (batch - mean) / std
                parts.append(((model(batch) - batch) ** 2).flatten(1).mean(1))
            scores = torch.cat(parts)
            rates.append(n / (time.perf_counter() - start))
    print(json.dumps({
        "impl": "pytorch",
        "threads": torch.get_num_threads(),
        "blasThreads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "rates": rates,
        "scoreSum": float(scores.double().sum()),
        "firstScores": [float(v) for v in scores[:5]],
    }))


main()
