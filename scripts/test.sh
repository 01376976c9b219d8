#!/usr/bin/env bash
# README's test command (and CI's): installs the dependencies, builds, runs the whole test suite.
# Tests labelled `gpu` skip with "skipped: no GPU" on a machine without one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Without a GPU, scripts/build.sh builds the CPU half only (much faster) and the tests labelled
# gpu report skipped; scripts/gpu_check.sh compiles and runs the CUDA half. Extra arguments go to
# CMake.
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
