#!/usr/bin/env bash
# README's test command (and CI's): installs the dependencies, builds, runs the whole test suite,
# then runs every fuzz target for a minute.
# Tests labelled `gpu` skip with "skipped: no GPU" on a machine without one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Without a GPU, scripts/build.sh builds the CPU half only (much faster) and the tests labelled
# gpu report skipped; scripts/gpu_check.sh compiles and runs the CUDA half. Extra arguments go to
# CMake.
scripts/build.sh "$@"
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
# The fuzz targets (docs/fuzzing.md), replaying every crash found so far, then a fixed number of
# inputs from seed 1, so that CI retraces the same inputs each time: 5-25 s each, one per core.
# With their clang ASan build (build-fuzz/, library and fuzz targets only), about 2.5 minutes on two
# cores from nothing.
scripts/fuzz.sh --ci
