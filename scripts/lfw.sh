#!/usr/bin/env bash
# LFW under the "image-unrestricted, no outside data" protocol (docs/lfw.md): trains one model per
# View 2 fold, each on the identities of the other nine folds only, then scores every fold with
# its own model and writes the 10-fold verification report.
#
#   scripts/lfw.sh NETWORK [FOLD ... | validate]     (NETWORK: a folder of configs/lfw/)
#
# With fold numbers (1-10) it trains only those; the report needs all ten. A fold whose final
# snapshot exists is not trained again, and one that was interrupted resumes from its newest
# snapshot, so an interrupted run continues where it stopped.
# `validate` is for choosing hyper-parameters without the test folds: it trains one model on
# folds 3-10 only (runs/lfw/NETWORK/validation/) and scores fold 2's pairs with it, so neither
# the choice nor the model sees fold 1, and no 10-fold result is looked at.
# LFW_ROOT names LFW's folder (images/ and protocol/; default ../shared/data/lfw); it is linked as
# data/lfw, where configs/lfw/*/train_val.prototxt look. VISAGE names the binary
# (default build/bin/visage, which scripts/build.sh makes). LFW_METRIC=1 also fits a learned metric
# per fold (PCA whitening + LDA, `visage fit-metric`) on the embeddings of that fold's training
# people only, and writes a second report scored with it (report_metric*); LFW_METRIC_OPTIONS
# passes options to fit-metric (e.g. "--pca 64 --lda 32"). A network whose folder has a file
# `metric_options` (fit-metric's options, chosen with `validate`) always does both.
# A metric is fitted again when its options or its fold's weights change.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lfw_common.sh
source scripts/lfw_common.sh

usage() {
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}
[[ $# -ge 1 ]] || usage 2
[[ $1 == -h || $1 == --help ]] && usage 0
style=$1
shift
config=configs/lfw/$style
lfw_read_solver scripts/lfw.sh "$style"
validate=0
if [[ ${1:-} == validate ]]; then
  [[ $# -eq 1 ]] || { echo "scripts/lfw.sh: 'validate' takes no fold numbers" >&2; exit 2; }
  validate=1
  shift
fi
folds=("$@")
[[ ${#folds[@]} -gt 0 ]] || folds=(1 2 3 4 5 6 7 8 9 10)
for fold in "${folds[@]}"; do
  [[ $fold =~ ^([1-9]|10)$ ]] || { echo "scripts/lfw.sh: fold '$fold' is not in 1..10" >&2; exit 2; }
done

visage=${VISAGE:-build/bin/visage}
[[ -x $visage ]] || { echo "scripts/lfw.sh: $visage not found; run scripts/build.sh" >&2; exit 1; }
lfw_link_data scripts/lfw.sh

runs=runs/lfw/$style
metric=${LFW_METRIC:-0}
metric_options=${LFW_METRIC_OPTIONS:-}
if [[ -f $config/metric_options ]]; then
  metric=1
  metric_options=${LFW_METRIC_OPTIONS:-$(grep -v '^#' "$config/metric_options" | tr '\n' ' ')}
fi
# weights_of NAME: the final snapshot of runs/lfw/NETWORK/NAME/ (fold3, validation, fold{fold}).
weights_of() { lfw_weights_of "$style" "$1"; }
final=$(weights_of "fold{fold}")

pairs=$lfw_pairs
images=$(realpath data/lfw/images)

# train NAME EXCLUDED WHAT: trains runs/lfw/NETWORK/NAME/ without the identities of the 0-based
# folds EXCLUDED (space-separated), unless its final snapshot exists; WHAT says on whom.
train() {
  local name=$1 excluded=$2 what=$3 dir=$runs/$1 weights list="" held_out
  weights=$(weights_of "$name")
  if [[ -f $weights ]]; then
    echo "== $name: trained already ($weights)"
    return
  fi
  mkdir -p "$dir"
  for held_out in $excluded; do list+="exclude_folds: $held_out "; done
  sed "s/^    exclude_folds: 0 }$/    ${list}}/" "$config/train_val.prototxt" >"$dir/train_val.prototxt"
  grep -q "^    ${list}}$" "$dir/train_val.prototxt" || {
    echo "scripts/lfw.sh: $config/train_val.prototxt has no 'exclude_folds: 0 }' line to change" >&2
    exit 1
  }
  sed "s/^snapshot_prefix: \"snapshots\/$prefix\"/snapshot_prefix: \"snapshots\/${prefix}_$name\"/" \
    "$config/solver.prototxt" >"$dir/solver.prototxt"
  # The newest snapshot of an interrupted run (Ctrl-C or SIGTERM write one) is resumed exactly.
  local resume=() newest
  newest=$(ls "$dir/snapshots/${prefix}_${name}_iter_"*.h5 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $newest ]] && resume=(--snapshot "$newest")
  echo "== $name: training on $what ($dir${newest:+, resuming $newest})"
  local start=$SECONDS
  $visage train --solver "$dir/solver.prototxt" "${resume[@]}"
  echo "$name trained in $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s"
}

# metric_images HELD_OUT...: every image of the people named by the pairs of the folds not listed
# (1-based): the people a model trained without those folds learnt from.
metric_images() {
  awk -v held_out=" $* " 'NR == 1 { per_fold = 2 * $2; next }
    index(held_out, " " (int((NR - 2) / per_fold) + 1) " ") == 0 { print $1; if (NF == 4) print $3 }' \
    "$pairs" | sort -u | while read -r name; do
      for image in "$images/$name"/*.jpg; do echo "$image"; done
    done
}

if [[ $validate == 1 ]]; then
  # Fold 2's pairs scored by a model (and a metric) that never saw folds 1 and 2.
  dir=$runs/validation
  train validation "0 1" "the people of folds 3-10"
  weights=$(weights_of validation)
  { printf '1\t%s\n' "$(awk 'NR == 1 { print $2 }' "$pairs")"
    awk 'NR == 1 { per_fold = 2 * $2; next } int((NR - 2) / per_fold) == 1' "$pairs"; } \
    >"$dir/pairs_fold2.txt"
  echo "== validation: fold 2's pairs, the threshold chosen on them (for comparing configs only)"
  $visage verify --pairs "$dir/pairs_fold2.txt" --model "$config/deploy.prototxt" \
    --images data/lfw/images --weights "$weights" --flip --out "$dir/report"
  [[ $metric == 1 ]] || exit 0
  if [[ ! -f $dir/metric_embeddings.h5 || $weights -nt $dir/metric_embeddings.h5 ]]; then
    metric_images 1 2 >"$dir/metric_images.txt"
    $visage embed --model "$config/deploy.prototxt" --weights "$weights" \
      --images "$dir/metric_images.txt" --flip --out "$dir/metric_embeddings.h5"
  fi
  $visage fit-metric --embeddings "$dir/metric_embeddings.h5" --pairs "$pairs" \
    --held-out-fold 2 $metric_options --out "$dir/metric.h5"
  echo "== validation with the learned metric (${metric_options:-defaults})"
  $visage verify --pairs "$dir/pairs_fold2.txt" --model "$config/deploy.prototxt" \
    --images data/lfw/images --weights "$weights" --metric "$dir/metric.h5" --flip \
    --out "$dir/report_metric"
  exit 0
fi

for fold in "${folds[@]}"; do
  train "fold$fold" "$((fold - 1))" "the other nine folds' people"
done

for fold in $(seq 1 10); do
  if [[ ! -f ${final//\{fold\}/$fold} ]]; then
    echo "== report: waiting for the other folds (fold $fold is not trained yet)"
    exit 0
  fi
done
echo "== 10-fold report: each fold scored with its own model"
$visage verify --pairs "$pairs" --model "$config/deploy.prototxt" \
  --images data/lfw/images --fold-weights "$final" --flip --out "$runs/report" \
  --reference "$lfw_references"
echo "ROC curve: $runs/report_roc.svg and .png (CSV: $runs/report_roc.csv, JSON: $runs/report.json)"
[[ $metric == 1 ]] || exit 0

# Fold k's metric sees only fold k's training people: those named by the pairs of the other nine
# folds (as exclude_folds and pairs_identities_only select them for training). Only their images
# are embedded, and fit-metric is told the held-out fold too, so it drops any of its people.
for fold in $(seq 1 10); do
  dir=$runs/fold$fold
  weights=${final//\{fold\}/$fold}
  # Embeddings older than their fold's weights belong to another embedding space.
  if [[ ! -f $dir/metric_embeddings.h5 || $weights -nt $dir/metric_embeddings.h5 ]]; then
    echo "== fold $fold: embedding the other nine folds' people for its learned metric"
    metric_images "$fold" >"$dir/metric_images.txt"
    $visage embed --model "$config/deploy.prototxt" --weights "$weights" \
      --images "$dir/metric_images.txt" --flip --out "$dir/metric_embeddings.h5"
  fi
  if [[ -f $dir/metric.h5 && ! $dir/metric_embeddings.h5 -nt $dir/metric.h5 &&
        $(cat "$dir/metric_options.used" 2>/dev/null) == "$metric_options" ]]; then
    continue
  fi
  echo "== fold $fold: learned metric (${metric_options:-defaults}) on those people ($dir/metric.h5)"
  $visage fit-metric --embeddings "$dir/metric_embeddings.h5" --pairs "$pairs" \
    --held-out-fold "$fold" $metric_options --out "$dir/metric.h5"
  printf '%s\n' "$metric_options" >"$dir/metric_options.used"
done
echo "== 10-fold report with the learned metrics: fold k mapped by metric k, cosine distance"
$visage verify --pairs "$pairs" --model "$config/deploy.prototxt" --images data/lfw/images \
  --fold-weights "$final" --fold-metric "$runs/fold{fold}/metric.h5" --flip \
  --out "$runs/report_metric" --reference "$lfw_references"
echo "ROC curve: $runs/report_metric_roc.svg and .png (JSON: $runs/report_metric.json)"
