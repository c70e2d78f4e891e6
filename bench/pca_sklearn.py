"""scikit-learn's side of bench/pca.ts: PCA on Fashion-MNIST, timed the same way.

Run by the benchmark with Debian's interpreter (/usr/bin/python3, python3-sklearn):
    /usr/bin/python3 bench/pca_sklearn.py --reps 3 --timed-k 32 --ks 2,8,32,64
Loads the same IDX files as hourglass (pixels / 255 as float32, computed as hourglass
does: pixel * (1 / 255) in double, then rounded), fits PCA(svd_solver='full') and
PCA(svd_solver='randomized') with k = --timed-k --reps times each, for each dtype in
--dtypes: float64 is what scikit-learn computes in for `pixels / 255.0` (numpy's default),
float32 when it is handed float32 data (about 2x faster). Then measures the test
reconstruction MSE for every k in --ks, in float64 (the exact reference). Prints one JSON line.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA


def load_images(directory, prefix):
    with gzip.open(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz")) as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[4 * i : 4 * i + 4], "big") for i in (1, 2, 3))
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * cols)
    return (pixels * (1.0 / 255.0)).astype(np.float32)


def fit_seconds(solver, k, x, seed):
    start = time.perf_counter()
    PCA(n_components=k, svd_solver=solver, random_state=seed).fit(x)
    return time.perf_counter() - start


def test_mse(pca, test):
    rebuilt = pca.inverse_transform(pca.transform(test))
    return float(np.mean((rebuilt.astype(np.float64) - test.astype(np.float64)) ** 2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get("HOURGLASS_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--timed-k", type=int, default=32)
    parser.add_argument("--ks", default="2,8,32,64")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtypes", default="float64,float32")
    args = parser.parse_args()
    ks = [int(k) for k in args.ks.split(",")]

    train32 = load_images(args.data_dir, "train")
    test = load_images(args.data_dir, "t10k")
    seconds = {}
    for dtype in args.dtypes.split(","):
        train = train32.astype(dtype)
        # Warm-up on a subset: library loading and thread start-up are not part of a fit.
        for solver in ("full", "randomized"):
            fit_seconds(solver, args.timed_k, train[:5000], args.seed)
        seconds[dtype] = {solver: [fit_seconds(solver, args.timed_k, train, args.seed) for _ in range(args.reps)] for solver in ("randomized", "full")}
    train = train32.astype(np.float64)

    mse = {"full": {}, "randomized": {}}
    # The full solver computes every component in one SVD; its first k components are
    # what PCA(k, svd_solver='full') keeps, so one fit serves every k.
    full = PCA(n_components=max(ks), svd_solver="full").fit(train)
    centred = test.astype(np.float64) - full.mean_
    for k in ks:
        w = full.components_[:k].astype(np.float64)
        rebuilt = (centred @ w.T) @ w
        mse["full"][str(k)] = float(np.mean((rebuilt - centred) ** 2))
        mse["randomized"][str(k)] = test_mse(PCA(n_components=k, svd_solver="randomized", random_state=args.seed).fit(train), test)

    print(json.dumps({"impl": "scikit-learn", "version": sklearn.__version__, "fitSeconds": seconds, "testMse": mse}))


if __name__ == "__main__":
    main()
