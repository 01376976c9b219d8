#!/usr/bin/env bash
# LFW under the "image-unrestricted, no outside data" protocol (docs/lfw.md): trains one model per
# View 2 fold, each on the identities of the other nine folds only, then scores every fold with
# its own model and writes the 10-fold verification report.
#
#   scripts/lfw.sh nn2|deepface [FOLD ...]
#
# With fold numbers (1-10) it trains only those; the report needs all ten. A fold whose final
# snapshot exists is not trained again, so an interrupted run continues where it stopped.
# LFW_ROOT names LFW's folder (images/ and protocol/; default ../shared/data/lfw); it is linked as
# data/lfw, where configs/lfw/*/train_val.prototxt look. VISAGE names the binary
# (default build/bin/visage, which scripts/build.sh makes). LFW_METRIC=1 also fits a learned metric
# per fold (PCA whitening + LDA, `visage fit-metric`) on the embeddings of that fold's training
# people only, and writes a second report scored with it (report_metric*); LFW_METRIC_OPTIONS
# passes options to fit-metric (e.g. "--pca 64 --lda 32"; delete fold*/metric.h5 to refit).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}
[[ $# -ge 1 ]] || usage 2
[[ $1 == -h || $1 == --help ]] && usage 0
style=$1
shift
config=configs/lfw/$style
[[ -f $config/solver.prototxt ]] || {
  echo "scripts/lfw.sh: no network '$style' (configs/lfw/ has: $(ls configs/lfw | tr '\n' ' '))" >&2
  exit 2
}
folds=("$@")
[[ ${#folds[@]} -gt 0 ]] || folds=(1 2 3 4 5 6 7 8 9 10)
for fold in "${folds[@]}"; do
  [[ $fold =~ ^([1-9]|10)$ ]] || { echo "scripts/lfw.sh: fold '$fold' is not in 1..10" >&2; exit 2; }
done

visage=${VISAGE:-build/bin/visage}
[[ -x $visage ]] || { echo "scripts/lfw.sh: $visage not found; run scripts/build.sh" >&2; exit 1; }
lfw=${LFW_ROOT:-../shared/data/lfw}
if [[ ! -e data/lfw ]]; then
  [[ -f $lfw/protocol/pairs.txt && -d $lfw/images ]] || {
    echo "scripts/lfw.sh: LFW not found at $lfw (want images/ and protocol/pairs.txt); set LFW_ROOT" >&2
    exit 1
  }
  mkdir -p data
  ln -s "$(realpath "$lfw")" data/lfw
fi

# What every fold's copy changes: the held-out fold and the snapshot name.
prefix=$(sed -n 's/^snapshot_prefix: "snapshots\/\([a-z0-9_]*\)".*/\1/p' "$config/solver.prototxt")
iters=$(sed -n 's/^max_iter: \([0-9]*\)$/\1/p' "$config/solver.prototxt")
[[ -n $prefix && -n $iters ]] || { echo "scripts/lfw.sh: cannot read $config/solver.prototxt" >&2; exit 1; }
runs=runs/lfw/$style
final="$runs/fold{fold}/snapshots/${prefix}_fold{fold}_iter_${iters}.h5"

for fold in "${folds[@]}"; do
  dir=$runs/fold$fold
  weights=${final//\{fold\}/$fold}
  if [[ -f $weights ]]; then
    echo "== fold $fold: trained already ($weights)"
    continue
  fi
  mkdir -p "$dir"
  sed "s/^    exclude_folds: 0 }$/    exclude_folds: $((fold - 1)) }/" "$config/train_val.prototxt" \
    >"$dir/train_val.prototxt"
  grep -q "^    exclude_folds: $((fold - 1)) }$" "$dir/train_val.prototxt" || {
    echo "scripts/lfw.sh: $config/train_val.prototxt has no 'exclude_folds: 0 }' line to change" >&2
    exit 1
  }
  sed "s/^snapshot_prefix: \"snapshots\/$prefix\"/snapshot_prefix: \"snapshots\/${prefix}_fold$fold\"/" \
    "$config/solver.prototxt" >"$dir/solver.prototxt"
  echo "== fold $fold: training on the other nine folds' identities ($dir)"
  start=$SECONDS
  $visage train --solver "$dir/solver.prototxt"
  echo "fold $fold trained in $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s"
done

for fold in $(seq 1 10); do
  if [[ ! -f ${final//\{fold\}/$fold} ]]; then
    echo "== report: waiting for the other folds (fold $fold is not trained yet)"
    exit 0
  fi
done
echo "== 10-fold report: each fold scored with its own model"
$visage verify --pairs data/lfw/protocol/pairs.txt --model "$config/deploy.prototxt" \
  --images data/lfw/images --fold-weights "$final" --flip --out "$runs/report"
echo "ROC curve: $runs/report_roc.svg and .png (CSV: $runs/report_roc.csv, JSON: $runs/report.json)"
[[ ${LFW_METRIC:-0} == 1 ]] || exit 0

# Fold k's metric sees only fold k's training people: those named by the pairs of the other nine
# folds (as exclude_folds and pairs_identities_only select them for training). Only their images
# are embedded, and fit-metric is told the held-out fold too, so it drops any of its people.
pairs=data/lfw/protocol/pairs.txt
images=$(realpath data/lfw/images)
for fold in $(seq 1 10); do
  dir=$runs/fold$fold
  # A metric older than its fold's weights belongs to another embedding space: fitted again.
  weights=${final//\{fold\}/$fold}
  [[ $dir/metric.h5 -nt $weights ]] && continue
  echo "== fold $fold: learned metric on the other nine folds' people ($dir/metric.h5)"
  awk -v held_out="$fold" 'NR == 1 { per_fold = 2 * $2; next }
    int((NR - 2) / per_fold) + 1 != held_out { print $1; if (NF == 4) print $3 }' "$pairs" |
    sort -u | while read -r name; do
      for image in "$images/$name"/*.jpg; do echo "$image"; done
    done >"$dir/metric_images.txt"
  $visage embed --model "$config/deploy.prototxt" --weights "${final//\{fold\}/$fold}" \
    --images "$dir/metric_images.txt" --flip --out "$dir/metric_embeddings.h5"
  $visage fit-metric --embeddings "$dir/metric_embeddings.h5" --pairs "$pairs" \
    --held-out-fold "$fold" ${LFW_METRIC_OPTIONS:-} --out "$dir/metric.h5"
done
echo "== 10-fold report with the learned metrics: fold k mapped by metric k, cosine distance"
$visage verify --pairs "$pairs" --model "$config/deploy.prototxt" --images data/lfw/images \
  --fold-weights "$final" --fold-metric "$runs/fold{fold}/metric.h5" --flip \
  --out "$runs/report_metric"
echo "ROC curve: $runs/report_metric_roc.svg and .png (JSON: $runs/report_metric.json)"
