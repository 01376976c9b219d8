#!/usr/bin/env bash
# An ensemble of networks trained by scripts/lfw.sh, scored under the same protocol: a pair's
# distance is the sum of its squared distances in each network's embedding (`visage verify
# --embeddings A.h5,B.h5`), as DeepFace combines its networks. Every fold is still scored only by
# models trained without its people: each network's fold-k model embeds fold k's images.
#
#   scripts/lfw_ensemble.sh NETWORK NETWORK [NETWORK ...] [validate]
#
# Each network's ten folds must be trained (`scripts/lfw.sh NETWORK`); the report goes to
# runs/lfw/ensembles/NETWORK+NETWORK.../. With `validate` it scores fold 2's pairs with the
# networks' validation models instead (`scripts/lfw.sh NETWORK validate`, trained on folds 3-10),
# for choosing an ensemble without the test folds. Each network's embeddings are kept beside its
# runs (fold_embeddings.h5, validation/fold2_embeddings.h5) and computed again only when its
# weights or its deploy.prototxt are newer. VISAGE and LFW_ROOT as for scripts/lfw.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lfw_common.sh
source scripts/lfw_common.sh

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}
[[ ${1:-} == -h || ${1:-} == --help ]] && usage 0
validate=0
networks=()
for argument in "$@"; do
  if [[ $argument == validate ]]; then
    validate=1
  else
    networks+=("$argument")
  fi
done
[[ ${#networks[@]} -ge 2 ]] || {
  echo "scripts/lfw_ensemble.sh: an ensemble needs at least two networks, got ${#networks[@]}" >&2
  usage 2
}
if [[ $(printf '%s\n' "${networks[@]}" | sort | uniq -d) ]]; then
  echo "scripts/lfw_ensemble.sh: a network is named twice: ${networks[*]}" >&2
  exit 2
fi
# member_files NETWORK: sets `weights` (its models: the validation model, or the ten folds'),
# `weights_pattern` (how verify and embed name them), `pairs` (the pairs it scores: the same file
# for every member, fold 2's or LFW's) and `embeddings` (where its embeddings of them are kept).
member_files() {
  local runs=runs/lfw/$1 fold
  lfw_read_solver scripts/lfw_ensemble.sh "$1"
  if [[ $validate == 1 ]]; then
    weights_pattern=$(lfw_weights_of "$1" validation)
    weights=("$weights_pattern")
    pairs=$runs/validation/pairs_fold2.txt
    embeddings=$runs/validation/fold2_embeddings.h5
  else
    weights_pattern=$(lfw_weights_of "$1" "fold{fold}")
    weights=()
    for fold in $(seq 1 10); do weights+=("$(lfw_weights_of "$1" "fold$fold")"); done
    pairs=$lfw_pairs
    embeddings=$runs/fold_embeddings.h5
  fi
}

visage=${VISAGE:-build/bin/visage}
[[ -x $visage ]] || { echo "scripts/lfw_ensemble.sh: $visage not found; run scripts/build.sh" >&2; exit 1; }
lfw_link_data scripts/lfw_ensemble.sh

# Every member is checked before any is embedded (validate's pairs file is written with its model).
how=""
[[ $validate == 1 ]] && how=" validate"
for network in "${networks[@]}"; do
  member_files "$network"
  for file in "${weights[@]}" "$pairs"; do
    [[ -f $file ]] || {
      echo "scripts/lfw_ensemble.sh: $network is not trained ($file is missing); run" \
        "scripts/lfw.sh $network$how" >&2
      exit 1
    }
  done
done

name=$(IFS=+; echo "${networks[*]}")
out=runs/lfw/ensembles/$name
mkdir -p "$out"
members=()
for network in "${networks[@]}"; do
  member_files "$network"
  # Embeddings older than a model or the network's config belong to another embedding.
  stale=0
  [[ -f $embeddings ]] || stale=1
  for file in "${weights[@]}" "configs/lfw/$network/deploy.prototxt"; do
    if [[ $file -nt $embeddings ]]; then stale=1; fi
  done
  if [[ $stale == 1 ]]; then
    echo "== $network: embedding the images of $pairs ($embeddings)"
    model=(--fold-weights "$weights_pattern")
    if [[ $validate == 1 ]]; then model=(--weights "$weights_pattern"); fi
    $visage embed --model "configs/lfw/$network/deploy.prototxt" --images data/lfw/images \
      --pairs "$pairs" "${model[@]}" --flip --out "$embeddings"
  fi
  members+=("$embeddings")
done

list=$(IFS=,; echo "${members[*]}")
if [[ $validate == 1 ]]; then
  echo "== validation: fold 2's pairs scored by the ensemble $name (for choosing only)"
  $visage verify --pairs "$pairs" --embeddings "$list" --out "$out/validation"
else
  echo "== 10-fold report: the ensemble $name, each fold scored by its own models"
  $visage verify --pairs "$lfw_pairs" --embeddings "$list" --out "$out/report" \
    --reference "$lfw_references"
  echo "ROC curve: $out/report_roc.svg and .png (JSON: $out/report.json)"
fi
