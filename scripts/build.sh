#!/usr/bin/env bash
# Configures and builds Visage in build/ (Release). The CUDA half is built when this machine has a
# GPU (nvidia-smi lists one); without one it could not run, and it triples the build time, so the
# build is CPU-only: pass -DVISAGE_CUDA=ON to build it anyway (scripts/gpu_check.sh does). Extra
# arguments go to CMake; VISAGE_TARGETS="visage ..." builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
cuda=OFF
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  cuda=ON
else
  echo "build: no GPU here: building the CPU half only (-DVISAGE_CUDA=ON builds the CUDA half too)"
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVISAGE_CUDA="$cuda" "$@" >/dev/null
# shellcheck disable=SC2086  # VISAGE_TARGETS is a space-separated list
cmake --build build -j"$(nproc)" ${VISAGE_TARGETS:+--target $VISAGE_TARGETS}
