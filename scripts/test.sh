#!/usr/bin/env bash
# README's test command (and CI's): installs the dependencies, builds, runs the whole test suite.
# Tests labelled `gpu` skip with "skipped: no GPU" on a machine without one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Without a GPU the CUDA half cannot run, so the suite is built CPU-only (much faster); the CUDA
# build is compiled and run by scripts/gpu_check.sh. Extra arguments go to CMake.
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  scripts/build.sh "$@"
else
  echo "test: no GPU here: building the CPU half only (tests labelled gpu will report skipped)"
  scripts/build.sh -DVISAGE_CUDA=OFF "$@"
fi
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
