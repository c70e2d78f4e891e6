"""PyTorch side of the large-image conv benchmark (npm run bench -- conv128).

Loads the untrained hourglass model file the benchmark wrote (scripts/torch_model.py builds
the same torch.nn layers from its architecture and loads its initial weights), trains it with
MSE and Adam 1e-3 on the benchmark's images for --epochs epochs and prints one JSON line:
samples/s and process CPU milliseconds per sample for each epoch, the last epoch's mean loss
(per sample, as hourglass reports it) and peak RSS.
Run with Debian's python3-torch: /usr/bin/python3 bench/conv_large_torch.py ...
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import torch_model  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, help="hourglass .safetensors file (untrained)")
    p.add_argument("--images", required=True, help="raw float32 file, n x channels x height x width")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model, architecture = torch_model.load_model(args.model)
    shape = [int(d) for d in architecture["inputShape"]]
    data = torch.from_numpy(np.fromfile(args.images, dtype=np.float32).reshape(-1, *shape))
    n = data.shape[0]
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    rates = []
    cpu_ms_per_sample = []
    epoch_loss = None
    generator = torch.Generator().manual_seed(0)
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=generator)
        start = time.perf_counter()
        cpu_start = time.process_time()
        loss_sum = 0.0
        for lo in range(0, n, args.batch_size):
            batch = data[order[lo: lo + args.batch_size]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch), batch)
            loss.backward()
            opt.step()
            loss_sum += float(loss) * batch.shape[0]
        epoch_loss = loss_sum / n
        rates.append(n / (time.perf_counter() - start))
        cpu_ms_per_sample.append((time.process_time() - cpu_start) * 1000 / n)
    print(json.dumps({
        "impl": "pytorch",
        "threads": torch.get_num_threads(),
        "epochRates": rates,
        "cpuMsPerSample": cpu_ms_per_sample,
        "loss": epoch_loss,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


main()
