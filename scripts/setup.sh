#!/usr/bin/env bash
# Installs Visage's build dependencies from Debian's packages (Debian 12).
# The CUDA toolkit (nvcc, cuBLAS, cuDNN, NCCL) is used from /usr/local/cuda when present and is not
# installed here. Safe to re-run: packages already present are skipped.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler
  libhdf5-dev
  libopenblas-dev
  libgtest-dev
  libturbojpeg0-dev libpng-dev zlib1g-dev
  graphviz  # `visage draw` renders SVG/PNG with its `dot`
  librsvg2-bin  # rsvg-convert: the PNGs of `visage plot` and `visage verify --out`, from their SVG
  libxml2-utils  # xmllint: the tests check that every SVG figure is well-formed XML
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes
  libopenmpi-dev openmpi-bin  # data-parallel training (mpirun) and its tests
  python3-dev python3-venv pybind11-dev  # the `visage` Python module and its tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
else
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Python tests' packages (python/requirements.txt, from PyPI) in .venv/, made from Debian's
# interpreter: the `visage` module is built against its headers, whatever `python3` is first on
# PATH. Reinstalled only when the requirements change.
venv=.venv
requirements=python/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  echo "setup: installing $(grep -c '==' "$requirements") Python packages into $venv/ (/usr/bin/python3)"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
else
  echo "setup: $venv/ up to date ($("$venv/bin/python" --version))"
fi
