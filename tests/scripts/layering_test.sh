#!/usr/bin/env bash
# cmake/check_layering.cmake, the build's dependency rule (ctest: Layering.*): the source tree
# passes it, and an include from a floor above fails it, naming the file, in a plain folder and
# in cuda/ (whose files sit on their CPU twin's floor), and the Python bindings may not include tools/.
#
#   tests/scripts/layering_test.sh SOURCE_DIR
set -uo pipefail
source_dir=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/visage_layering_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

check_tree() {  # check_tree DESCRIPTION EXPECTED_STATUS [TEXT THE MESSAGE MUST HOLD]
  local output status
  output=$(cmake -DSOURCE_DIR="$work/tree" -DSTAMP="$work/stamp" \
    -P "$source_dir/cmake/check_layering.cmake" 2>&1)
  status=$?
  if { [[ $2 == 0 ]] && ((status == 0)); } ||
     { [[ $2 != 0 ]] && ((status != 0)) && grep -qF "$3" <<<"$output"; }; then
    echo "ok: $1"
  else
    echo "FAILED: $1 (status $status)"
    echo "$output"
    failures=$((failures + 1))
  fi
}

fresh_tree() {
  rm -rf "$work/tree"
  mkdir -p "$work/tree"
  for folder in core synthetic datasets layers losses eval solvers tools cuda python; do
    cp -r "$source_dir/$folder" "$work/tree/"
  done
}

fresh_tree
check_tree "the source tree keeps the rule" 0

echo '#include "solvers/solver.hpp"' >>"$work/tree/core/shape.cpp"
check_tree "core including solvers fails, naming the file" 1 \
  "core/shape.cpp (floor core) includes solvers/solver.hpp (floor solvers)"

fresh_tree
echo '#include "eval/verification.hpp"' >>"$work/tree/datasets/pairs.cpp"
check_tree "datasets including eval fails" 1 "datasets/pairs.cpp (floor datasets)"

fresh_tree
echo '#include "layers/relu.hpp"' >>"$work/tree/cuda/kernel.cuh"
check_tree "a core-floor cuda file including layers fails" 1 \
  "cuda/kernel.cuh (floor core) includes layers/relu.hpp (floor layers)"

fresh_tree
echo '#include "losses/triplet_loss.hpp"' >>"$work/tree/cuda/relu.cu"
check_tree "the GPU half of a layer including a loss fails" 1 "cuda/relu.cu (floor layers)"

fresh_tree
echo '#include "tools/options.hpp"' >>"$work/tree/python/bindings/module.cpp"
check_tree "the Python bindings including tools (beside them on the top floor) fails" 1 \
  "python/bindings/module.cpp (floor python) includes tools/options.hpp (floor tools)"

if ((failures)); then
  echo "layering_test: $failures check(s) failed"
  exit 1
fi
echo "layering_test: all checks passed"
