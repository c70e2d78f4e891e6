#!/usr/bin/env python3
"""Runs an hourglass model file in PyTorch.

    python3 scripts/torch_model.py MODEL.safetensors --input IN.npy --output OUT.npy [--part full|encoder|decoder]

Builds the torch.nn model that the file's __metadata__ describes, loads the weights with
load_state_dict(strict=True) and writes model(input), computed in eval mode, to OUT.npy as
float32. It shows that a saved model is an ordinary PyTorch model, and gives the tests
numbers from an independent implementation.

The safetensors container is parsed here with struct and json, so no extra Python package
is needed: an 8-byte little-endian header length, a JSON header, then raw little-endian data.
"""

import argparse
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

FORMAT = "hourglass"
FORMAT_VERSION = 1

TORCH_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
}
DTYPE_BYTES = {"F64": 8, "F32": 4, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1}


class ModelFileError(Exception):
    pass


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ModelFileError(f"{path}: too short to be a safetensors file")
    (header_length,) = struct.unpack("<Q", blob[:8])
    if header_length > len(blob) - 8:
        raise ModelFileError(f"{path}: header length {header_length} goes beyond the end of the file")
    try:
        header = json.loads(blob[8 : 8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path}: the header is not valid JSON ({e})")
    metadata = header.pop("__metadata__", {}) or {}
    data = memoryview(blob)[8 + header_length :]
    tensors = {}
    for name, entry in header.items():
        dtype = entry.get("dtype")
        if dtype not in TORCH_DTYPES:
            raise ModelFileError(f"{path}: tensor '{name}' has unsupported dtype {dtype!r}")
        begin, end = entry["data_offsets"]
        shape = [int(d) for d in entry["shape"]]
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * DTYPE_BYTES[dtype] or end > len(data):
            raise ModelFileError(f"{path}: tensor '{name}' has data_offsets that do not match its shape")
        # A fresh bytearray is aligned and writable, which torch.frombuffer wants.
        chunk = bytearray(data[begin:end])
        if count == 0:
            t = torch.zeros(shape, dtype=TORCH_DTYPES[dtype])
        else:
            t = torch.frombuffer(chunk, dtype=TORCH_DTYPES[dtype]).reshape(shape)
        if sys.byteorder != "little":
            t = torch.from_numpy(t.numpy().byteswap())
        tensors[name] = t.clone()
    return tensors, metadata


def pair(value, what):
    """Layer configs give sizes as [h, w]; a single number means the same for both."""
    if isinstance(value, (int, float)):
        return (int(value), int(value))
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (int(value[0]), int(value[1]))
    raise ModelFileError(f"{what} must be a number or a pair [h, w], got {value!r}")


def build_layer(config, where):
    if not isinstance(config, dict) or "type" not in config:
        raise ModelFileError(f"{where}: a layer config needs a 'type', got {config!r}")
    kind = config["type"]
    try:
        if kind == "dense":
            return nn.Linear(int(config["inFeatures"]), int(config["outFeatures"]), bias=bool(config.get("bias", True)))
        if kind == "relu":
            return nn.ReLU()
        if kind == "leaky_relu":
            return nn.LeakyReLU(float(config.get("negativeSlope", 0.01)))
        if kind == "sigmoid":
            return nn.Sigmoid()
        if kind == "tanh":
            return nn.Tanh()
        if kind == "identity":
            return nn.Identity()
        if kind == "flatten":
            return nn.Flatten()
        if kind == "reshape":
            return nn.Unflatten(1, tuple(int(d) for d in config["shape"]))
        if kind == "dropout":
            return nn.Dropout(float(config.get("p", 0.5)))
        if kind == "conv2d":
            return nn.Conv2d(
                int(config["inChannels"]),
                int(config["outChannels"]),
                kernel_size=pair(config["kernelSize"], "kernelSize"),
                stride=pair(config.get("stride", 1), "stride"),
                padding=pair(config.get("padding", 0), "padding"),
                bias=bool(config.get("bias", True)),
            )
        if kind == "conv2d_transpose":
            return nn.ConvTranspose2d(
                int(config["inChannels"]),
                int(config["outChannels"]),
                kernel_size=pair(config["kernelSize"], "kernelSize"),
                stride=pair(config.get("stride", 1), "stride"),
                padding=pair(config.get("padding", 0), "padding"),
                output_padding=pair(config.get("outputPadding", 0), "outputPadding"),
                bias=bool(config.get("bias", True)),
            )
        if kind == "max_pool2d":
            kernel = pair(config["kernelSize"], "kernelSize")
            return nn.MaxPool2d(
                kernel, stride=pair(config.get("stride", kernel), "stride"), padding=pair(config.get("padding", 0), "padding")
            )
        if kind == "avg_pool2d":
            kernel = pair(config["kernelSize"], "kernelSize")
            # PyTorch's default counts padded zeros in the average; a config may say otherwise.
            return nn.AvgPool2d(
                kernel,
                stride=pair(config.get("stride", kernel), "stride"),
                padding=pair(config.get("padding", 0), "padding"),
                count_include_pad=bool(config.get("countIncludePad", True)),
            )
        if kind == "upsampling2d":
            sh, sw = pair(config["scale"], "scale")
            return nn.Upsample(scale_factor=(float(sh), float(sw)), mode="nearest")
        if kind == "batch_norm2d":
            return nn.BatchNorm2d(
                int(config["numFeatures"]), eps=float(config.get("eps", 1e-5)), momentum=float(config.get("momentum", 0.1))
            )
    except KeyError as e:
        raise ModelFileError(f"{where}: layer '{kind}' is missing the field {e}")
    raise ModelFileError(f"{where}: unknown layer type {kind!r}; this script knows {', '.join(LAYER_TYPES)}")


LAYER_TYPES = [
    "dense", "relu", "leaky_relu", "sigmoid", "tanh", "identity", "flatten", "reshape", "dropout",
    "conv2d", "conv2d_transpose", "max_pool2d", "avg_pool2d", "upsampling2d", "batch_norm2d",
]


def build_sequential(configs, where):
    if not isinstance(configs, list):
        raise ModelFileError(f"architecture.{where} must be a list of layer configs")
    return nn.Sequential(*[build_layer(c, f"architecture.{where}[{i}]") for i, c in enumerate(configs)])


class Autoencoder(nn.Module):
    def __init__(self, architecture):
        super().__init__()
        self.encoder = build_sequential(architecture.get("encoder"), "encoder")
        self.decoder = build_sequential(architecture.get("decoder"), "decoder")

    def forward(self, x):
        return self.decoder(self.encoder(x))


class PCA(nn.Module):
    """x_hat = (x - mean) C^T C + mean; codes are divided by sqrt(explained_variance) when
    whitening, as hourglass's PCA does (near-zero variances are left unscaled)."""

    def __init__(self, architecture, tensor_names):
        super().__init__()
        try:
            k, d = int(architecture["components"]), int(architecture["features"])
        except (KeyError, TypeError, ValueError):
            raise ModelFileError("a 'pca' architecture needs integer 'components' and 'features'")
        self.whiten = bool(architecture.get("whiten", False))
        self.components = nn.Parameter(torch.zeros(k, d), requires_grad=False)
        self.mean = nn.Parameter(torch.zeros(d), requires_grad=False)
        # Files from hourglass carry the variances; strict loading then expects them here.
        if "explained_variance" in tensor_names or self.whiten:
            self.explained_variance = nn.Parameter(torch.zeros(k), requires_grad=False)

    def whitening_scale(self):
        v = self.explained_variance
        floor = v[0] * 1e-6 if len(v) else 0.0
        return torch.where((v > floor) & (v > 0), v.clamp(min=0).sqrt(), torch.ones_like(v))

    def encoder(self, x):
        z = (x.flatten(1) - self.mean) @ self.components.T
        return z / self.whitening_scale() if self.whiten else z

    def decoder(self, z):
        if self.whiten:
            z = z * self.whitening_scale()
        return z @ self.components + self.mean

    def forward(self, x):
        return self.decoder(self.encoder(x)).reshape(x.shape)


def build_model(kind, architecture, tensor_names):
    if not isinstance(architecture, dict):
        raise ModelFileError(f"__metadata__.architecture must be a JSON object, got {architecture!r}")
    if kind == "autoencoder":
        return Autoencoder(architecture)
    if kind == "pca":
        return PCA(architecture, tensor_names)
    raise ModelFileError(f"model kind {kind!r} is not supported by this script (it runs 'autoencoder' and 'pca')")


def load_model(path):
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an hourglass model (no __metadata__.format = 'hourglass')")
    version = int(metadata.get("format_version", "0"))
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by format version {version}; this script reads up to {FORMAT_VERSION}: upgrade hourglass"
        )
    try:
        architecture = json.loads(metadata["architecture"])
    except (KeyError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path}: __metadata__.architecture is missing or not JSON ({e})")
    model = build_model(metadata.get("kind"), architecture, set(tensors))
    model.load_state_dict(tensors, strict=True)
    model.eval()
    return model, architecture


def main(argv):
    parser = argparse.ArgumentParser(description="Run an hourglass model file in PyTorch.")
    parser.add_argument("model", help="an hourglass .safetensors model file")
    parser.add_argument("--input", required=True, help="input batch as .npy, shape [n, ...inputShape]")
    parser.add_argument("--output", required=True, help="where to write the output .npy (float32)")
    parser.add_argument("--part", choices=["full", "encoder", "decoder"], default="full",
                        help="run the whole model (default), only the encoder (codes) or only the decoder")
    args = parser.parse_args(argv)

    try:
        model, architecture = load_model(args.model)
        x = torch.from_numpy(np.ascontiguousarray(np.load(args.input), dtype=np.float32))
        expected = architecture.get("inputShape") if isinstance(architecture, dict) else None
        if args.part != "decoder" and expected is not None and list(x.shape[1:]) != [int(d) for d in expected]:
            raise ModelFileError(
                f"{args.input} has shape {list(x.shape)}; the model expects [n, {', '.join(str(d) for d in expected)}]"
            )
        with torch.no_grad():
            if args.part == "encoder":
                y = model.encoder(x)
            elif args.part == "decoder":
                y = model.decoder(x)
            else:
                y = model(x)
        np.save(args.output, np.ascontiguousarray(y.numpy(), dtype="<f4"))
    except (ModelFileError, RuntimeError, ValueError, OSError) as e:
        print(f"torch_model.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
