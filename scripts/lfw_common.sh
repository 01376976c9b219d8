# shellcheck shell=bash
# What scripts/lfw.sh and scripts/lfw_ensemble.sh share; sourced from the repository root.
# shellcheck disable=SC2034  # lfw_references and lfw_pairs are for the scripts that source this

# The best published results under LFW's "image-unrestricted, no outside data" protocol, drawn on
# the 10-fold ROC figures.
lfw_references="Fisher Vector Faces, Simonyan et al. 2013=0.9303;Combined multishot, Taigman et al. 2009=0.8950;LDML-MkNN, Guillaumin et al. 2009=0.8750"
lfw_pairs=data/lfw/protocol/pairs.txt

# lfw_link_data CALLER: links LFW's folder (LFW_ROOT, default ../shared/data/lfw: images/ and
# protocol/) as data/lfw, where configs/lfw/*/train_val.prototxt look. A link left dangling (LFW
# moved) is replaced.
lfw_link_data() {
  local lfw=${LFW_ROOT:-../shared/data/lfw}
  [[ -e data/lfw ]] && return
  [[ -f $lfw/protocol/pairs.txt && -d $lfw/images ]] || {
    echo "$1: LFW not found at $lfw (want images/ and protocol/pairs.txt)$([[ -L data/lfw ]] &&
      echo ", and data/lfw points to $(readlink data/lfw), which is gone"); set LFW_ROOT" >&2
    exit 1
  }
  mkdir -p data
  ln -sfn "$(realpath "$lfw")" data/lfw
}

# lfw_read_solver CALLER NETWORK: sets `prefix` and `iters`, the snapshot prefix and max_iter of
# configs/lfw/NETWORK/solver.prototxt.
lfw_read_solver() {
  local solver=configs/lfw/$2/solver.prototxt
  [[ -f $solver ]] || {
    echo "$1: no network '$2' (configs/lfw/ has: $(ls configs/lfw | tr '\n' ' '))" >&2
    exit 2
  }
  prefix=$(sed -n 's/^snapshot_prefix: "snapshots\/\([a-z0-9_]*\)".*/\1/p' "$solver")
  iters=$(sed -n 's/^max_iter: \([0-9]*\)$/\1/p' "$solver")
  [[ -n $prefix && -n $iters ]] || { echo "$1: cannot read $solver" >&2; exit 1; }
}

# lfw_weights_of NETWORK NAME: the final snapshot of runs/lfw/NETWORK/NAME/ (fold3, validation,
# fold{fold}), given lfw_read_solver's `prefix` and `iters` for NETWORK.
lfw_weights_of() { echo "runs/lfw/$1/$2/snapshots/${prefix}_$2_iter_${iters}.h5"; }
