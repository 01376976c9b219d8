#!/usr/bin/env bash
# Configures and builds Visage in build/ (Release). CUDA is used when nvcc is found; pass extra
# CMake arguments through, e.g. scripts/build.sh -DVISAGE_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
