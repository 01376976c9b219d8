#!/usr/bin/env bash
# The GPU check, in two halves (see ../shared/device/README.md):
#
#   scripts/gpu_check.sh build   on a development machine (CUDA toolkit, no GPU needed): a Release
#                                build for sm_90 (H100/H200) with the third-party libraries linked
#                                statically, packed lean into build-gpu/dist/{bin,lib}.
#   scripts/gpu_check.sh run     on the GPU machine, from the repository root with build-gpu/dist
#                                carried over: device query, every test labelled `gpu` (CPU-vs-GPU
#                                parity and device checks), then the CPU suite as a sanity check.
#                                Writes gpu_check.log (into $OUT when set, else build-gpu/).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=build-gpu/dist

build() {
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DVISAGE_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}" -DVISAGE_STATIC_DEPS=ON >/dev/null
  cmake --build build-gpu -j"$(nproc)" --target visage visage_tests visage_gpu_tests
  rm -rf "$dist"
  mkdir -p "$dist/bin" "$dist/lib"
  cp build-gpu/bin/visage build-gpu/bin/visage_tests build-gpu/bin/visage_gpu_tests "$dist/bin/"
  strip --strip-unneeded "$dist"/bin/* 2>/dev/null || true
  # Whatever is neither glibc nor CUDA travels next to the binaries (found through RPATH).
  for bin in "$dist"/bin/*; do
    ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do
      case "$(basename "$lib")" in
        libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|ld-linux*|libgcc_s.so*) ;;
        libcuda.so*|libcudart*|libcublas*|libcudnn*|libnccl*|libnvrtc*|libnvJitLink*) ;;
        *) cp -n -L "$lib" "$dist/lib/" ;;
      esac
    done
  done
  echo "gpu_check: packed $(du -sh "$dist" | cut -f1) into $dist:"
  ls -la "$dist/bin" "$dist/lib"
}

cuda_library_path() {
  local paths=()
  for lib in libcudart.so libcublas.so libcudnn.so libnccl.so; do
    local found
    found=$(ldconfig -p | awk -v l="$lib" '$1 ~ "^"l {print $NF; exit}')
    [[ -n "$found" ]] && paths+=("$(dirname "$found")")
  done
  # PyTorch's pip wheels ship the CUDA libraries under site-packages/nvidia/*/lib.
  local site
  site=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)
  for s in $site; do
    for d in "$s"/nvidia/*/lib; do [[ -d "$d" ]] && paths+=("$d"); done
  done
  [[ -d /usr/local/cuda/lib64 ]] && paths+=(/usr/local/cuda/lib64)
  local IFS=:
  echo "${paths[*]}"
}

run() {
  [[ -x "$dist/bin/visage" ]] || { echo "gpu_check: $dist missing; run 'scripts/gpu_check.sh build' first" >&2; exit 2; }
  local log="${OUT:-build-gpu}/gpu_check.log"
  mkdir -p "$(dirname "$log")"
  export LD_LIBRARY_PATH="$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export VISAGE_BIN="$PWD/$dist/bin/visage" VISAGE_SOURCE_DIR="$PWD"
  local status=0
  {
    echo "== ldd"; ldd "$dist/bin/visage_gpu_tests" | grep -E "not found|cud|nccl" || true
    echo "== device-query"; "$dist/bin/visage" device-query
    echo "== gpu tests"; "$dist/bin/visage_gpu_tests" --gtest_color=no || status=1
    echo "== cpu tests"; "$dist/bin/visage_tests" --gtest_color=no --gtest_brief=1 || status=1
    echo "== visage time on the GPU"
    "$dist/bin/visage" time configs/examples/face_mlp.prototxt --device gpu --iterations 20 || status=1
  } 2>&1 | tee "$log"
  echo "gpu_check: log in $log, status $status"
  return $status
}

case "${1:-}" in
  build) build ;;
  run) run ;;
  *) echo "usage: scripts/gpu_check.sh build|run" >&2; exit 2 ;;
esac
