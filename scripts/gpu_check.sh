#!/usr/bin/env bash
# The GPU check: Visage's CUDA half built here and run, in one command, on a lent GPU machine
# (../shared/device/README.md). Nothing on that machine can be installed, so the build travels.
#
#   scripts/gpu_check.sh build        here (CUDA toolkit, no GPU needed): a Release build for sm_90
#                                     (H100/H200; CUDA_ARCHS overrides) in build-gpu/, packed into
#                                     build-gpu/dist/ (about 25 MiB): carry that folder.
#   scripts/gpu_check.sh run          there, from the repository root: every step below, in order,
#                                     each under a time limit; a failing step does not stop the
#                                     others; none starts after GPU_CHECK_DEADLINE seconds
#                                     (default 540). Log, summary and the nets' `visage time`
#                                     tables in $OUT (else build-gpu/check/).
#   scripts/gpu_check.sh pack BUILD DIST [BINARY...]
#                                     packs BUILD/bin's binaries (default: visage visage_tests
#                                     visage_gpu_tests) with the shared libraries they need that are
#                                     neither glibc nor CUDA, into DIST/visage-gpu.tar.xz.
#   scripts/gpu_check.sh libpath PKG  the loader path `run` uses: PKG/lib first, then the CUDA
#                                     libraries of the machine (PyTorch's nvidia-* wheels, then
#                                     /usr/local/cuda).
#
# The steps of `run` (GPU_CHECK_STEPS="name ..." runs a subset; GPU_CHECK_DIST names the package
# folder, default build-gpu/dist):
#   probe         ../shared/device/probe.sh's report of the machine (carried in the package)
#   unpack        the package, into build-gpu/pkg
#   ldd           every binary's libraries resolve (none "not found")
#   device-query  `visage device-query --require-gpu`: the runtime sees a GPU
#   gpu-tests     every test suite of visage_gpu_tests in its own process (one illegal address
#                 kills a CUDA context), CUDA_LAUNCH_BLOCKING=1 so an error names its kernel,
#                 VISAGE_GPU_REQUIRED=1 so that "no GPU" fails instead of skipping; any skip fails
#   time          `visage time --device gpu --batch 128 --update SGD` of the quickstart, DeepFace,
#                 NN1 and NN2 deploy nets (fp32 training step), with --conv-algorithms
#                 reproducible and then fastest; the layer tables in $OUT/time.txt
#   train         50 iterations of the quickstart on the GPU and the same run on the CPU; their
#                 losses must agree (scripts/compare_losses.py states the tolerance)
#   bench         PyTorch's yardstick, bench.py --device cuda --batch 128 (fp32) on DeepFace,
#                 NN1 and NN2, and the ratios against `time`
#   cpu-tests     the CPU suite, last, under a time limit
# The exit status is 0 only when every step that ran passed; the summary names the ones that
# failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=${GPU_CHECK_DIST:-build-gpu/dist}

# ---- packing (here) ------------------------------------------------------------------------------

# Shared libraries that must come from the machine itself: glibc's pieces (they go with its
# loader), the C++ runtime (Visage links it statically; cuBLAS and cuDNN take the machine's,
# which is newer than Debian 12's) and the CUDA driver and libraries (they go with its driver,
# or come from its wheels).
is_system_library() {
  case "$1" in
    ld-linux*|libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|libresolv.so*|libutil.so*) ;;
    libnss_*|libanl.so*|libmvec.so*|libBrokenLocale.so*|libstdc++.so*|libgcc_s.so*) ;;
    libcuda.so*|libcudart.so*|libcublas*|libcudnn*|libnccl*|libnvrtc*|libnvJitLink*) ;;
    *) return 1 ;;
  esac
}

pack() {
  local build=$1 out=$2
  shift 2
  local binaries=("$@")
  ((${#binaries[@]})) || binaries=(visage visage_tests visage_gpu_tests)
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage/bin" "$stage/lib" "$out"
  for b in "${binaries[@]}"; do
    [[ -x "$build/bin/$b" ]] || { echo "gpu_check: $build/bin/$b not built" >&2; return 2; }
    cp "$build/bin/$b" "$stage/bin/"
    strip --strip-unneeded "$stage/bin/$b"
  done
  # The closure of the binaries' libraries (ldd resolves it transitively), less the system's.
  local lib name
  while read -r lib; do
    name=$(basename "$lib")
    is_system_library "$name" && continue
    [[ -e "$stage/lib/$name" ]] || cp -L "$lib" "$stage/lib/$name"
  done < <(for b in "$stage"/bin/*; do ldd "$b" | awk '/=> \//{print $3}'; done | sort -u)
  strip --strip-unneeded "$stage"/lib/* 2>/dev/null || true
  rm -f "$out/visage-gpu.tar.xz"
  XZ_OPT=${XZ_OPT:--6 -T0} tar -C "$stage" -cJf "$out/visage-gpu.tar.xz" bin lib
  echo "gpu_check: packed $(ls "$stage/bin" | wc -l) binaries and $(ls "$stage/lib" | wc -l)" \
    "libraries ($(du -sh "$stage" | cut -f1) unpacked) into $out/visage-gpu.tar.xz" \
    "($(du -h "$out/visage-gpu.tar.xz" | cut -f1))"
  ls "$stage/lib"
  rm -rf "$stage"
}

build() {
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DVISAGE_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}" -DVISAGE_STATIC_DEPS=ON \
    -DVISAGE_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build-gpu -j"$(nproc)" --target visage visage_tests visage_gpu_tests
  rm -rf "$dist"
  pack build-gpu "$dist"
  # What the GPU machine cannot see: ../shared does not travel.
  mkdir -p "$dist/shared/device" "$dist/shared/reference"
  cp ../shared/device/probe.sh "$dist/shared/device/"
  cp ../shared/reference/bench.py ../shared/reference/models.py "$dist/shared/reference/"
  echo "gpu_check: carry $dist ($(du -sh "$dist" | cut -f1)); on the GPU machine run" \
    "'scripts/gpu_check.sh run'"
}

# ---- running (there) -----------------------------------------------------------------------------

cuda_wheel_dirs() {
  # PyTorch's CUDA wheels (nvidia-cublas, nvidia-cudnn-cu13, ...) put their libraries under the
  # `nvidia` namespace package: nvidia/<name>/lib.
  python3 - <<'PY' 2>/dev/null || true
import importlib, os
try:
    nvidia = importlib.import_module("nvidia")
except ImportError:
    raise SystemExit
for base in nvidia.__path__:
    for name in sorted(os.listdir(base)):
        lib = os.path.join(base, name, "lib")
        if os.path.isdir(lib):
            print(lib)
PY
}

libpath() {
  local pkg=$1
  local paths=("$(cd "$pkg" && pwd)/lib")
  local dir
  while read -r dir; do [[ -n "$dir" ]] && paths+=("$dir"); done < <(cuda_wheel_dirs)
  for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [[ -d "$dir" ]] && paths+=("$dir")
  done
  local IFS=:
  echo "${paths[*]}"
}

log=
out=
results=()
failed=()
# Seconds after which no further step starts, so that the summary is written before the GPU
# machine's ten minutes end.
deadline=${GPU_CHECK_DEADLINE:-540}

# step NAME COMMAND...: runs one step in this shell, its output into the log, and records it.
step() {
  local name=$1
  shift
  if [[ -n "${GPU_CHECK_STEPS:-}" && " $GPU_CHECK_STEPS " != *" $name "* ]]; then return 0; fi
  echo "== $name" | tee -a "$log"
  if ((SECONDS >= deadline)); then
    echo "== $name: FAILED (not run: the check's ${deadline}s are spent)" | tee -a "$log"
    failed+=("$name")
    results+=("$(printf '%-13s FAILED (not run: no time left)' "$name")")
    return 0
  fi
  local start=$SECONDS rc=0
  { "$@" 2>&1 | tee -a "$log"; rc=${PIPESTATUS[0]}; } || true
  local verdict=PASSED
  if ((rc != 0)); then
    verdict=FAILED
    failed+=("$name")
  fi
  results+=("$(printf '%-13s %s (exit %d, %ds)' "$name" "$verdict" "$rc" $((SECONDS - start)))")
  echo "== $name: $verdict (exit $rc, $((SECONDS - start))s)" | tee -a "$log"
}

probe_step() { bash "$dist/shared/device/probe.sh"; }

unpack_step() {
  rm -rf build-gpu/pkg
  mkdir -p build-gpu/pkg
  # Python's tarfile where the machine has no xz.
  tar -C build-gpu/pkg -xJf "$dist/visage-gpu.tar.xz" 2>/dev/null ||
    python3 -m tarfile -e "$dist/visage-gpu.tar.xz" build-gpu/pkg
  ls -la build-gpu/pkg/bin
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
}

ldd_step() {
  local missing=0 b
  for b in build-gpu/pkg/bin/*; do
    echo "-- $b"
    ldd "$b" | grep -E "not found|cuda|cublas|cudnn|=> $root" || true
    if ldd "$b" | grep -q "not found"; then missing=1; fi
  done
  return $missing
}

device_query_step() { build-gpu/pkg/bin/visage device-query --require-gpu; }

# Each suite in its own process under its own time limit; passes only when every test ran and
# passed (a skip is a failure here).
gpu_tests_step() {
  local tests=build-gpu/pkg/bin/visage_gpu_tests
  local suites status=0 suite output rc passed skipped failed_count
  # Suite lines are the unindented ones ending in "." (gtest_main prints a "Running main()" line).
  suites=$("$tests" --gtest_list_tests | awk '/^[^ ]/ && $1 ~ /\.$/ {print $1}') || return 1
  [[ -n "$suites" ]] || { echo "no test suites in $tests"; return 1; }
  local total_passed=0 total_skipped=0 total_failed=0
  for suite in $suites; do
    rc=0
    output=$(CUDA_LAUNCH_BLOCKING=1 VISAGE_GPU_REQUIRED=1 timeout --kill-after=5 120 \
      "$tests" --gtest_color=no --gtest_filter="$suite*" 2>&1) || rc=$?
    passed=$(grep -oP '^\[  PASSED  \] \K[0-9]+' <<<"$output" || echo 0)
    skipped=$(grep -oP '^\[  SKIPPED \] \K[0-9]+(?= test)' <<<"$output" || echo 0)
    failed_count=$(grep -oP '^ ?\K[0-9]+(?= FAILED TESTS?)' <<<"$output" || echo 0)
    total_passed=$((total_passed + passed))
    total_skipped=$((total_skipped + skipped))
    total_failed=$((total_failed + failed_count))
    if ((rc != 0 || skipped > 0 || passed == 0)); then
      status=1
      echo "$output" | grep -vE '^\[       OK \]|^\[ RUN      \]' | tail -40
      echo "-- $suite FAILED (exit $rc, $passed passed, $skipped skipped, $failed_count failed)"
    else
      echo "-- $suite: $passed passed"
    fi
  done
  echo "gpu tests: $total_passed passed, $total_failed failed, $total_skipped skipped"
  return $status
}

# Each net's training step (forward, backward, SGD update, like bench.py's), with cuDNN's
# reproducible algorithms and then its fastest: the headlines into the log, the whole layer
# tables into $out/time.txt.
time_step() {
  local status=0 algorithms net table
  : >"$out/time.txt"
  for algorithms in reproducible fastest; do
    for net in quickstart deepface facenet_nn1 facenet_nn2; do
      echo "-- $net, $algorithms"
      # Eight runs: the check's deadline is watched between them too.
      if ((SECONDS >= deadline)); then
        echo "not run: the check's ${deadline}s are spent"
        status=1
        continue
      fi
      table=$(timeout --kill-after=5 60 build-gpu/pkg/bin/visage time \
        "configs/$net/deploy.prototxt" --device gpu --batch 128 --iterations 5 --warmup 2 \
        --update SGD --conv-algorithms "$algorithms" 2>&1) || status=1
      printf '== %s, %s\n%s\n' "$net" "$algorithms" "$table" >>"$out/time.txt"
      grep -E "^timing|iteration:|error" <<<"$table" || true
      grep -q "iteration:" <<<"$table" || status=1
    done
  done
  return $status
}

# The quickstart's solver for 50 iterations, every loss logged, no held-out test, no snapshot.
write_short_solver() {
  local dir=$1
  mkdir -p "$dir"
  sed -E '/^verification_test \{/,/^\}/d; /^(net|max_iter|display|snapshot|snapshot_prefix|test_interval|test_initialization|average_loss):/d' \
    configs/quickstart/solver.prototxt >"$dir/solver.prototxt"
  cat >>"$dir/solver.prototxt" <<EOF
net: "$root/configs/quickstart/train_val.prototxt"
max_iter: 50
display: 1
average_loss: 1
snapshot: 0
snapshot_prefix: "$dir/quickstart"
EOF
}

train_step() {
  local dir=build-gpu/check-train status=0 device
  rm -rf "$dir"
  write_short_solver "$dir"
  for device in gpu cpu; do
    echo "-- $device"
    timeout --kill-after=5 180 build-gpu/pkg/bin/visage train --solver "$dir/solver.prototxt" \
      --device "$device" --log "$dir/$device.jsonl" | grep -E "^training|^iter (0|25|50)/" ||
      status=1
  done
  ((status == 0)) || return 1
  python3 scripts/compare_losses.py "$dir/cpu.jsonl" "$dir/gpu.jsonl"
}

bench_step() {
  (cd "$dist/shared/reference" &&
    timeout --kill-after=5 180 python3 bench.py --device cuda --batch 128 --precision fp32 \
      --iters 5 --nets DeepFace,NN1,NN2)
}

cpu_tests_step() {
  timeout --kill-after=5 "${GPU_CHECK_CPU_LIMIT:-240}" build-gpu/pkg/bin/visage_tests \
    --gtest_color=no --gtest_brief=1 ${GPU_CHECK_CPU_FILTER:+--gtest_filter="$GPU_CHECK_CPU_FILTER"}
}

# Visage's training step against PyTorch's, from the log: ms per image of each, and the ratio.
ratios() {
  python3 - "$log" <<'PY' || true
import re, sys
text = open(sys.argv[1]).read()
ours = {(net, how): float(ms) for net, how, ms in re.findall(
    r"^-- (\w+), (\w+)\ntiming .*\n.*?iteration: [0-9.]+ ms median, ([0-9.]+) ms per image",
    text, re.M)}
theirs = dict(re.findall(r"^(\S+)\s+cuda batch \d+ fp32: .*?train\s+([0-9.]+) ms/img", text, re.M))
for how in ("reproducible", "fastest"):
    for torch_name, our_name in (("DeepFace", "deepface"), ("NN1", "facenet_nn1"), ("NN2", "facenet_nn2")):
        if (our_name, how) in ours and torch_name in theirs:
            mine, torch = ours[(our_name, how)], float(theirs[torch_name])
            print(f"{torch_name:8s} training step, fp32, batch 128, {how:12s}: Visage {mine:.3f} "
                  f"ms/img, PyTorch {torch:.3f} ms/img: Visage at {torch / mine:.2f}x PyTorch's speed")
PY
}

run() {
  out=${OUT:-build-gpu/check}
  mkdir -p "$out"
  log="$out/gpu_check.log"
  : >"$log"
  [[ -f "$dist/visage-gpu.tar.xz" ]] || {
    echo "gpu_check: $dist/visage-gpu.tar.xz missing; run 'scripts/gpu_check.sh build' here" \
      "and carry $dist" | tee -a "$log" >&2
    exit 2
  }
  mkdir -p build-gpu/pkg
  LD_LIBRARY_PATH="$(libpath build-gpu/pkg)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
  export VISAGE_BIN="$root/build-gpu/pkg/bin/visage" VISAGE_SOURCE_DIR="$root"
  echo "gpu_check: $(date -u '+%F %T') on $(uname -n), python3 = $(command -v python3 || echo none)" |
    tee -a "$log"
  step probe probe_step
  step unpack unpack_step
  step ldd ldd_step
  step device-query device_query_step
  step gpu-tests gpu_tests_step
  step time time_step
  step train train_step
  step bench bench_step
  step cpu-tests cpu_tests_step
  {
    echo "== summary"
    printf '%s\n' "${results[@]}"
    ratios
    if ((${#failed[@]})); then
      echo "gpu_check: FAILED: ${failed[*]} (${#failed[@]} of ${#results[@]} steps); log in $log"
    else
      echo "gpu_check: all ${#results[@]} steps passed; log in $log"
    fi
  } | tee -a "$log" | tee "$out/summary.txt"
  ((${#failed[@]} == 0))
}

case "${1:-}" in
  build) build ;;
  pack)
    (($# >= 3)) || { echo "usage: scripts/gpu_check.sh pack BUILD DIST [BINARY...]" >&2; exit 2; }
    shift
    pack "$@"
    ;;
  libpath)
    (($# == 2)) || { echo "usage: scripts/gpu_check.sh libpath PKG" >&2; exit 2; }
    libpath "$2"
    ;;
  run) run ;;
  *)
    echo "usage: scripts/gpu_check.sh build|run|pack BUILD DIST [BINARY...]|libpath PKG" >&2
    exit 2
    ;;
esac
