#!/usr/bin/env bash
# Brings a clone to a runnable state, doing only what is missing:
#   1. Debian packages: oneDNN (engine), LAPACK on OpenBLAS (PCA), Fashion-MNIST (data),
#      PyTorch and scikit-learn (reference numbers for tests and benchmarks), the ONNX checker,
#      chromium (the browser tests drive it through playwright-core), patchelf (the prebuilt
#      addon's $ORIGIN rpath, scripts/prebuild.sh);
#   2. npm dependencies (npm ci, which also runs this package's install and prepare scripts);
#   3. the native addon (node-gyp) when it is missing or older than its sources;
#   4. the TypeScript build (tsc, incremental).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libdnnl-dev liblapacke-dev libopenblas-dev dataset-fashion-mnist mricron-data r-base-core r-cran-mlbench python3-torch python3-sklearn python3-onnx chromium patchelf)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "hourglass setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "hourglass setup: run as root or install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci when the lock file's content changed since the last install (a stamp holds its hash):
# comparing modification times would reinstall after every checkout that touches the file.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.hourglass-lock-sha256
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  echo "hourglass setup: npm ci"
  # onnxruntime-node (a dev dependency: the ONNX parity tests and bench) would otherwise fetch
  # its CUDA provider libraries from NuGet at install time; hourglass only uses its CPU
  # provider, which is inside the npm package, and offline machines cannot reach NuGet.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

addon=build/Release/hourglass_native.node
if [ ! -f "$addon" ] || [ -n "$(find native/src binding.gyp -newer "$addon" -print -quit)" ]; then
  echo "hourglass setup: building the native addon"
  npx node-gyp rebuild --silent >/dev/null
fi

npx tsc -p .
