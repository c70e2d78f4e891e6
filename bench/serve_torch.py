#!/usr/bin/env python3
"""The reference for `npm run bench -- serve`: an hourglass detector served the way a Python team
would serve it, FastAPI + uvicorn + PyTorch, with the same weights and the same payloads.

    python3 bench/serve_torch.py MODEL.safetensors SIDECAR.json --port PORT

MODEL is the detector's autoencoder (an hourglass model file, loaded into torch.nn by
scripts/torch_model.py); SIDECAR holds what the detector adds around it: the scaler's mean and
std, the threshold and the normal scores' quantiles. Endpoints:

    POST /score        {"rows": [[...], ...]}   -> {"rows": [{"score", "normalizedScore", "flag"}]}
    POST /score-image  PNG or JPEG body          -> the same for one image

The score is the per-sample mean squared reconstruction error in the model's (scaled) space,
as the detector's 'mse' score; the normalised score interpolates the normal quantiles.
"""

import argparse
import bisect
import io
import json
import os
import sys

import numpy as np
import torch
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from PIL import Image
from pydantic import BaseModel

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from torch_model import load_model  # noqa: E402


class Rows(BaseModel):
    rows: list[list[float]]


def build_app(model_path, sidecar_path):
    model, architecture = load_model(model_path)
    with open(sidecar_path) as f:
        sidecar = json.load(f)
    input_shape = [int(d) for d in architecture["inputShape"]]
    per = int(np.prod(input_shape))
    mean = torch.tensor(sidecar["mean"], dtype=torch.float32) if sidecar.get("mean") else None
    std = torch.tensor(sidecar["std"], dtype=torch.float32) if sidecar.get("std") else None
    threshold = float(sidecar["threshold"])
    quantiles = [float(q) for q in sidecar["quantiles"]]
    app = FastAPI()

    def normalized(score):
        last = len(quantiles) - 1
        if not score > quantiles[0]:
            return 0.0
        if score >= quantiles[last]:
            return 1.0
        lo = bisect.bisect_right(quantiles, score) - 1
        hi = lo + 1
        span = quantiles[hi] - quantiles[lo]
        return (lo + ((score - quantiles[lo]) / span if span > 0 else 0.0)) / last

    def score(x):
        if mean is not None:
            x = (x - mean) / std
        with torch.no_grad():
            recon = model(x.reshape([x.shape[0]] + input_shape)).reshape(x.shape[0], -1)
        errors = ((recon - x.reshape(x.shape[0], -1)) ** 2).mean(dim=1).tolist()
        return {"rows": [{"score": s, "normalizedScore": normalized(s), "flag": s > threshold} for s in errors]}

    @app.post("/score")
    def score_rows(body: Rows):
        x = torch.tensor(body.rows, dtype=torch.float32)
        if x.ndim != 2 or x.shape[1] != per:
            raise HTTPException(status_code=422, detail=f"rows must have {per} values")
        return score(x)

    @app.post("/score-image")
    async def score_image(request: Request):
        data = await request.body()
        try:
            image = Image.open(io.BytesIO(data))
            image = image.convert("L" if input_shape[0] == 1 else "RGB").resize((input_shape[2], input_shape[1]))
        except Exception as e:
            raise HTTPException(status_code=415, detail=f"not an image: {e}")
        pixels = np.asarray(image, dtype=np.float32) / 255.0
        if pixels.ndim == 3:
            pixels = pixels.transpose(2, 0, 1)
        return score(torch.from_numpy(np.ascontiguousarray(pixels)).reshape(1, per))

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("sidecar")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = build_app(args.model, args.sidecar)
    print(f"reference listening on http://127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
