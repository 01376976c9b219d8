#!/usr/bin/env bash
# README's first command: installs the dependencies, builds Visage, trains the quickstart face
# embedding on synthetic faces and ends with the verification report on held-out identities.
# It uses the GPU when the machine has one (scripts/build.sh builds the CUDA half then, and
# `visage train` picks the device), the CPU otherwise; the config is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
VISAGE_TARGETS=visage scripts/build.sh
visage=build/bin/visage
heldout=data/quickstart/heldout
run=configs/quickstart/snapshots

echo "== held-out identities: 500 x 6 synthetic faces and 10 folds of pairs in $heldout"
if [[ ! -f $heldout/pairs.txt ]]; then
  $visage synth --identities 500 --per-identity 6 --first-identity 1000000 --pairs 300 \
    --out "$heldout"
fi

echo "== training (configs/quickstart/solver.prototxt)"
start=$SECONDS
$visage train --solver configs/quickstart/solver.prototxt
echo "trained in $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s"

echo "== verification on the held-out identities"
# The snapshot the run just ended with (whatever max_iter the solver says).
weights=$(ls -t "$run"/quickstart_iter_*.h5 | head -n 1)
$visage verify --model configs/quickstart/deploy.prototxt --weights "$weights" \
  --images "$heldout" --pairs "$heldout/pairs.txt" --flip --out "$run/heldout"
echo "ROC curve: $run/heldout_roc.svg and .png (CSV: $run/heldout_roc.csv, JSON: $run/heldout.json)"
