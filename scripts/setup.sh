#!/usr/bin/env bash
# Installs every package the build and the tests need (Debian 12), then
# configures and builds flashattn-mlir in build/. Idempotent: packages already
# installed are skipped, an existing build is updated incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # LLVM/MLIR 22 and the compiler that builds against it.
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  # ASan/UBSan and libFuzzer runtimes (scripts/test-sanitizers.sh, fuzz.sh).
  libclang-rt-22-dev
  # Libraries LLVM's CMake package names in its link interface.
  libzstd-dev zlib1g-dev libxml2-dev libedit-dev libcurl4-openssl-dev libffi-dev
  # Build tools, unit tests, test scripts.
  cmake ninja-build libgtest-dev python3 python3-numpy
  # The Python package's tests (python/tests, run by test/Python).
  python3-pytest
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

LLVM=/usr/lib/llvm-22
BUILD_DIR=${BUILD_DIR:-build}
LAUNCHER=""
# ccache speeds up rebuilds where it is installed; it is not required.
command -v ccache >/dev/null && LAUNCHER="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" $LAUNCHER \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=$LLVM/bin/clang -DCMAKE_CXX_COMPILER=$LLVM/bin/clang++ \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=$LLVM/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit \
    -DPython3_EXECUTABLE=/usr/bin/python3 \
    ${FA_CMAKE_ARGS:-}
elif [ -n "${FA_CMAKE_ARGS:-}" ]; then
  # An existing build keeps its cache; options given now still apply.
  cmake -S . -B "$BUILD_DIR" ${FA_CMAKE_ARGS}
fi
ninja -C "$BUILD_DIR" ${FA_BUILD_TARGETS:-all}
