#!/usr/bin/env bash
# README's first command: installs the dependencies, builds Visage and runs its main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/bin/visage summary configs/examples/face_mlp.prototxt
build/bin/visage time configs/examples/face_mlp.prototxt --iterations 20
