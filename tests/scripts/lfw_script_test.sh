#!/usr/bin/env bash
# scripts/lfw.sh's bookkeeping, with a stand-in `visage` that records its calls and writes the
# files they would write, on a made-up LFW of 10 folds x 3 people: which folds each training and
# each learned metric leaves out, what `validate` scores, that a second run redoes nothing
# but what changed, and that an interrupted fold resumes from its newest snapshot; and
# scripts/lfw_ensemble.sh: each member's fold k embedded by its fold-k model, reruns re-embed only
# what changed, and a member not trained stops it before any work.
#
#   tests/scripts/lfw_script_test.sh SOURCE_DIR
set -euo pipefail
source_dir=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$work/repo/scripts" "$work/repo/configs/lfw/tiny" "$work/lfw/protocol"
cp "$source_dir/scripts/"{lfw.sh,lfw_common.sh,lfw_ensemble.sh} "$work/repo/scripts/"
for file in solver train_val deploy; do
  cp "$source_dir/configs/lfw/nn2/$file.prototxt" "$work/repo/configs/lfw/tiny/"
done
sed -i 's/^max_iter: .*/max_iter: 20/; s/lfw_nn2/tiny/' "$work/repo/configs/lfw/tiny/solver.prototxt"

# Fold f names people F<f>a, F<f>b (a matched pair of F<f>a) and F<f>c (mismatched with F<f>b).
{
  printf '10\t1\n'
  for fold in $(seq 1 10); do
    printf 'F%da\t1\t2\n' "$fold"
    printf 'F%db\t1\tF%dc\t1\n' "$fold" "$fold"
  done
} >"$work/lfw/protocol/pairs.txt"
for fold in $(seq 1 10); do
  for person in a b c; do
    mkdir -p "$work/lfw/images/F$fold$person"
    touch "$work/lfw/images/F$fold$person/F$fold${person}_0001.jpg"
  done
done

# The stand-in: logs "command args" and creates each output the real command would.
cat >"$work/visage" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$VISAGE_CALLS"
command=$1
shift
out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --solver) solver=$2; shift ;;
    --out) out=$2; shift ;;
  esac
  shift
done
case $command in
  train)
    dir=$(dirname "$solver")
    prefix=$(sed -n 's/^snapshot_prefix: "\([^"]*\)".*/\1/p' "$solver")
    iters=$(sed -n 's/^max_iter: \([0-9]*\)$/\1/p' "$solver")
    mkdir -p "$(dirname "$dir/$prefix")"
    touch "$dir/${prefix}_iter_$iters.h5" ;;
  embed) touch "$out" ;;
  fit-metric) touch "$out" ;;
esac
EOF
chmod +x "$work/visage"

cd "$work/repo"
export VISAGE=$work/visage VISAGE_CALLS=$work/calls LFW_ROOT=$work/lfw
runs=runs/lfw/tiny
people_of() { echo "F$1a F$1b F$1c"; }
# images_in LIST: the people whose images a list file names, sorted, on one line.
images_in() { sed 's|.*/images/\([^/]*\)/.*|\1|' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# --- validate: a model and a metric without folds 1 and 2, scored on fold 2's pairs -----------
echo "--pca 4 --lda 2" >configs/lfw/tiny/metric_options
: >"$VISAGE_CALLS"
scripts/lfw.sh tiny validate >/dev/null
grep -q '^    exclude_folds: 0 exclude_folds: 1 }$' $runs/validation/train_val.prototxt ||
  fail "the validation model does not leave out folds 1 and 2"
[[ $(cat $runs/validation/pairs_fold2.txt) == "$(printf '1\t1\nF2a\t1\t2\nF2b\t1\tF2c\t1')" ]] ||
  fail "pairs_fold2.txt is not fold 2's pairs: $(cat $runs/validation/pairs_fold2.txt)"
expected=$(for f in $(seq 3 10); do people_of "$f"; done | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
[[ $(images_in $runs/validation/metric_images.txt) == "$expected" ]] ||
  fail "the validation metric sees other people than folds 3-10's: $(images_in $runs/validation/metric_images.txt)"
grep -q "^fit-metric .*--held-out-fold 2 --pca 4 --lda 2 " "$VISAGE_CALLS" ||
  fail "fit-metric was not given fold 2 and metric_options: $(grep fit-metric "$VISAGE_CALLS")"
grep -q "^verify --pairs $runs/validation/pairs_fold2.txt .*--metric $runs/validation/metric.h5" \
  "$VISAGE_CALLS" || fail "validate did not score fold 2 with its metric"
if grep -q "fold1\|fold{fold}" "$VISAGE_CALLS"; then fail "validate touched the 10-fold runs"; fi

# --- the 10 folds: model k and metric k without fold k -----------------------------------------
: >"$VISAGE_CALLS"
scripts/lfw.sh tiny >/dev/null
[[ $(grep -c '^train ' "$VISAGE_CALLS") == 10 ]] || fail "expected 10 trainings"
for fold in $(seq 1 10); do
  grep -q "^    exclude_folds: $((fold - 1)) }$" $runs/fold$fold/train_val.prototxt ||
    fail "fold $fold's model does not leave out fold $fold"
  seen=" $(images_in $runs/fold$fold/metric_images.txt) "
  for person in $(people_of "$fold"); do
    [[ $seen != *" $person "* ]] || fail "fold $fold's metric sees its own person $person"
  done
  [[ $(wc -w <<<"$seen") == 27 ]] || fail "fold $fold's metric sees $(wc -w <<<"$seen") people, not 27"
  grep -q "^fit-metric --embeddings $runs/fold$fold/metric_embeddings.h5 .*--held-out-fold $fold --pca 4 --lda 2 " \
    "$VISAGE_CALLS" || fail "fold $fold's metric was not fitted without fold $fold"
done
grep -q "^verify .*--fold-metric $runs/fold{fold}/metric.h5" "$VISAGE_CALLS" ||
  fail "no 10-fold report with the metrics"
[[ $(grep -c "^verify .*--reference Fisher Vector Faces, Simonyan et al. 2013=0.9303;" "$VISAGE_CALLS") == 2 ]] ||
  fail "the 10-fold ROC figures lack the published references"

# --- a second run redoes nothing; new metric options refit the metrics only ------------------------
: >"$VISAGE_CALLS"
scripts/lfw.sh tiny >/dev/null
if grep -q '^\(train\|embed\|fit-metric\) ' "$VISAGE_CALLS"; then
  fail "a second run redid work: $(grep '^\(train\|embed\|fit-metric\) ' "$VISAGE_CALLS")"
fi
echo "--lda 3" >configs/lfw/tiny/metric_options
: >"$VISAGE_CALLS"
scripts/lfw.sh tiny >/dev/null
[[ $(grep -c '^fit-metric .*--lda 3 ' "$VISAGE_CALLS") == 10 ]] || fail "new options did not refit every metric"
if grep -q '^\(train\|embed\) ' "$VISAGE_CALLS"; then fail "new metric options retrained or re-embedded"; fi

# --- an interrupted fold resumes from its newest snapshot (iteration 12, not 9) -------------------
snapshots=$runs/fold3/snapshots
rm $snapshots/tiny_fold3_iter_20.h5
touch $snapshots/tiny_fold3_iter_9.h5 $snapshots/tiny_fold3_iter_12.h5
: >"$VISAGE_CALLS"
scripts/lfw.sh tiny 3 >/dev/null
[[ $(grep '^train ' "$VISAGE_CALLS") == \
  "train --solver $runs/fold3/solver.prototxt --snapshot $snapshots/tiny_fold3_iter_12.h5" ]] ||
  fail "fold 3 did not resume from iteration 12: $(grep '^train ' "$VISAGE_CALLS")"
# --- lfw_ensemble.sh: tiny + wide, each fold embedded by its own models --------------------------
mkdir -p configs/lfw/wide
cp configs/lfw/tiny/*.prototxt configs/lfw/wide/
sed -i 's/tiny/wide/' configs/lfw/wide/solver.prototxt
: >"$VISAGE_CALLS"
scripts/lfw.sh wide 1 2 >/dev/null
: >"$VISAGE_CALLS"
refusal=$(scripts/lfw_ensemble.sh tiny wide 2>&1 >/dev/null) && fail "an ensemble with an untrained member ran"
[[ $refusal == *"wide is not trained (runs/lfw/wide/fold3/snapshots/wide_fold3_iter_20.h5 is missing); run scripts/lfw.sh wide"* ]] ||
  fail "an untrained member was not named: $refusal"
[[ ! -s $VISAGE_CALLS ]] || fail "an untrained member did not stop the ensemble first: $(cat "$VISAGE_CALLS")"
refusal=$(scripts/lfw_ensemble.sh tiny tiny 2>&1 >/dev/null) && fail "an ensemble of one network twice ran"
[[ $refusal == *"a network is named twice"* ]] || fail "a network named twice was not refused: $refusal"
scripts/lfw.sh wide >/dev/null
scripts/lfw.sh wide validate >/dev/null
: >"$VISAGE_CALLS"
scripts/lfw_ensemble.sh tiny wide validate >/dev/null
for network in tiny wide; do
  grep -q "^embed .*--pairs runs/lfw/$network/validation/pairs_fold2.txt --weights runs/lfw/$network/validation/snapshots/${network}_validation_iter_20.h5 --flip --out runs/lfw/$network/validation/fold2_embeddings.h5$" \
    "$VISAGE_CALLS" || fail "validate did not embed fold 2 with $network's validation model"
done
grep -q "^verify --pairs runs/lfw/wide/validation/pairs_fold2.txt --embeddings runs/lfw/tiny/validation/fold2_embeddings.h5,runs/lfw/wide/validation/fold2_embeddings.h5 --out runs/lfw/ensembles/tiny+wide/validation$" \
  "$VISAGE_CALLS" || fail "validate did not score fold 2 with both members: $(grep '^verify' "$VISAGE_CALLS")"
: >"$VISAGE_CALLS"
scripts/lfw_ensemble.sh tiny wide >/dev/null
for network in tiny wide; do
  grep -q "^embed .*--pairs data/lfw/protocol/pairs.txt --fold-weights runs/lfw/$network/fold{fold}/snapshots/${network}_fold{fold}_iter_20.h5 --flip --out runs/lfw/$network/fold_embeddings.h5$" \
    "$VISAGE_CALLS" || fail "$network's folds were not embedded by their own models: $(grep '^embed' "$VISAGE_CALLS")"
done
grep -q "^verify --pairs data/lfw/protocol/pairs.txt --embeddings runs/lfw/tiny/fold_embeddings.h5,runs/lfw/wide/fold_embeddings.h5 --out runs/lfw/ensembles/tiny+wide/report --reference Fisher Vector Faces" \
  "$VISAGE_CALLS" || fail "no 10-fold ensemble report: $(grep '^verify' "$VISAGE_CALLS")"
touch -d '+1 minute' runs/lfw/wide/fold7/snapshots/wide_fold7_iter_20.h5
: >"$VISAGE_CALLS"
scripts/lfw_ensemble.sh tiny wide >/dev/null
[[ $(grep '^embed' "$VISAGE_CALLS" | grep -c .) == 1 && $(grep -c '^embed .*/wide/' "$VISAGE_CALLS") == 1 ]] ||
  fail "new weights of wide's fold 7 did not re-embed wide alone: $(grep '^embed' "$VISAGE_CALLS")"

echo "lfw.sh: folds, validation and metrics keep their people apart; reruns redo only what changed;"
echo "an interrupted fold resumes. lfw_ensemble.sh: members embedded by their own folds' models"
