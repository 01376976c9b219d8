#!/usr/bin/env bash
# README's test command (and CI's): installs the dependencies, builds, runs the whole test suite.
# Tests labelled `gpu` skip with "skipped: no GPU" on a machine without one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
