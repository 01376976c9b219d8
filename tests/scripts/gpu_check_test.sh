#!/usr/bin/env bash
# The CPU half of scripts/gpu_check.sh, run here before a GPU is in reach (ctest: GpuCheck.*):
# packing a build's binaries with their libraries, the loader path it gives them on the GPU
# machine, and the `run` steps' bookkeeping: a failing step fails the run, names itself in the
# log and the summary, and does not stop the steps after it.
#
#   tests/scripts/gpu_check_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
script="$source_dir/scripts/gpu_check.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/visage_gpu_check_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

check() {  # check DESCRIPTION COMMAND...: one assertion
  if "${@:2}"; then
    echo "ok: $1"
  else
    echo "FAILED: $1"
    failures=$((failures + 1))
  fi
}

# A copy of the source tree's scripts and configs, so that `run` writes its build-gpu/ there.
tree="$work/tree"
mkdir -p "$tree"
cp -r "$source_dir/scripts" "$source_dir/configs" "$tree/"

# ---- packing: the CPU build's `visage`, fast compression (the real build uses xz -6)
XZ_OPT=-0 "$script" pack "$build" "$tree/build-gpu/dist" visage visage_tests >"$work/pack.log" 2>&1
check "pack exits 0" test $? -eq 0
check "the package is one xz archive" test -f "$tree/build-gpu/dist/visage-gpu.tar.xz"
tar -C "$work" -xJf "$tree/build-gpu/dist/visage-gpu.tar.xz"
check "the binary travels" test -x "$work/bin/visage"
check "its libraries travel (OpenBLAS)" test -n "$(compgen -G "$work/lib/libopenblas*")"
for system in 'libc.so*' 'libm.so*' 'ld-linux*' 'libresolv*' 'libpthread*' 'libdl.so*'; do
  check "glibc's $system stays behind" test -z "$(compgen -G "$work/lib/$system")"
done
# With the package's own folder first, nothing but glibc and the C++ runtime comes from the system.
outside=$(LD_LIBRARY_PATH="$work/lib" ldd "$work/bin/visage" "$work"/lib/* 2>/dev/null |
  awk '/=> \//{print $3}' | grep -v "^$work/lib/" |
  grep -vE '/(ld-linux[^/]*|lib(c|m|dl|rt|pthread|resolv|util|mvec|stdc\+\+|gcc_s)\.so[^/]*)$' ||
  true)
check "every library but glibc's and the C++ runtime's resolves inside the package${outside:+ (outside: $outside)}" \
  test -z "$outside"
check "the packed binary runs" env LD_LIBRARY_PATH="$work/lib" "$work/bin/visage" device-query

# ---- the loader path: the package's lib first, then the CUDA wheels' lib folders
mkdir -p "$work/site/nvidia/cublas/lib" "$work/site/nvidia/cudnn/lib" "$work/pkg/lib"
path=$(PYTHONPATH="$work/site" "$script" libpath "$work/pkg")
check "libpath starts with the package's lib ($path)" test "${path%%:*}" = "$work/pkg/lib"
check "libpath lists the cuBLAS wheel" grep -q ":$work/site/nvidia/cublas/lib" <<<"$path"
check "libpath lists the cuDNN wheel after cuBLAS" \
  grep -q "nvidia/cublas/lib:$work/site/nvidia/cudnn/lib" <<<"$path"

# ---- run: passing steps give 0 ...
mkdir -p "$tree/build-gpu/dist/shared/device"
printf '#!/bin/sh\necho probe report\n' >"$tree/build-gpu/dist/shared/device/probe.sh"
OUT="$work/out_pass" GPU_CHECK_STEPS="probe unpack ldd" "$tree/scripts/gpu_check.sh" run \
  >"$work/run_pass.txt" 2>&1
check "steps that pass give exit status 0" test $? -eq 0
check "the probe's report is kept in the log" grep -q "probe report" "$work/out_pass/gpu_check.log"
check "the summary lists the steps" grep -qE "^ldd +PASSED" "$work/out_pass/summary.txt"

# ... and a failing one (device-query: no GPU here) fails the run, by name, without stopping the
# steps after it (the CPU suite, here one test).
OUT="$work/out_fail" GPU_CHECK_STEPS="unpack device-query cpu-tests" \
  GPU_CHECK_CPU_FILTER=does.not.exist "$tree/scripts/gpu_check.sh" run >"$work/run_fail.txt" 2>&1
check "a failing step gives a non-zero exit status" test $? -ne 0
check "the summary names the failing step" \
  grep -q "FAILED: device-query (1 of 3 steps)" "$work/out_fail/summary.txt"
check "the step after it still ran" grep -qE "^cpu-tests +PASSED" "$work/out_fail/summary.txt"
check "the log says why device-query failed" grep -q "no usable GPU" "$work/out_fail/gpu_check.log"

# ---- past the deadline no step starts, and the run fails saying so
OUT="$work/out_late" GPU_CHECK_STEPS="unpack ldd" GPU_CHECK_DEADLINE=0 \
  "$tree/scripts/gpu_check.sh" run >"$work/run_late.txt" 2>&1
check "a run out of time fails" test $? -ne 0
check "... and names the steps it did not run" \
  grep -q "FAILED: unpack ldd (2 of 2 steps)" "$work/out_late/summary.txt"

# ---- run without a package says what to do
OUT="$work/out_none" GPU_CHECK_DIST="$work/nowhere" "$tree/scripts/gpu_check.sh" run \
  >"$work/run_none.txt" 2>&1
check "run without a package exits 2" test $? -eq 2
check "... and says to build" grep -q "scripts/gpu_check.sh build" "$work/run_none.txt"

if ((failures)); then
  echo "--- pack.log"; cat "$work/pack.log"
  echo "--- run_fail.txt"; cat "$work/run_fail.txt"
  echo "gpu_check_test: $failures check(s) failed"
  exit 1
fi
echo "gpu_check_test: all checks passed"
