#!/usr/bin/env bash
# Stages the Python package's GPU check (bench/correctness/python_gpu_check.py)
# for the device machine (CUDA + torch, no LLVM):
#   DEST/kernels/       kernels compiled here by flashattn_mlir.compile()
#   DEST/python/        the package;  DEST/bench/correctness/python_gpu_check.py
#   DEST/runtime/       runtime sources; DEST/libfa_runtime.prebuilt.so
#   DEST/run.sh         builds libfa_runtime.so with g++ and runs the check
# Usage: scripts/python-gpu-artifacts.sh [DEST=.stage-python] [TARGET=h100]
# PY_CHECK_OPTIONS: extra compile-mode flags of python_gpu_check.py, e.g.
#   "--option wgmma_release=producer"
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-.stage-python}
TARGET=${2:-h100}
BUILD_DIR=${BUILD_DIR:-build}  # relative to the checkout, or absolute
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
[ -f "$BUILD_DIR/lib/libFlashAttn-C.so" ] || ninja -C "$BUILD_DIR" FlashAttn-C
rm -rf "$DEST/kernels" "$DEST/python" "$DEST/bench" "$DEST/runtime"
mkdir -p "$DEST/bench/correctness"
FLASHATTN_MLIR_LIB=$BUILD_DIR/lib/libFlashAttn-C.so \
  /usr/bin/python3 bench/correctness/python_gpu_check.py compile "$DEST/kernels" --target "$TARGET" \
  ${PY_CHECK_OPTIONS:-}
mkdir -p "$DEST/python"
cp -r python/flashattn_mlir "$DEST/python/"
find "$DEST/python" -name __pycache__ -prune -exec rm -rf {} +
cp bench/correctness/python_gpu_check.py "$DEST/bench/correctness/"
cp -r runtime "$DEST/runtime"
if [ -f "$BUILD_DIR/lib/libfa_runtime.so" ]; then
  cp "$BUILD_DIR/lib/libfa_runtime.so" "$DEST/libfa_runtime.prebuilt.so"
fi
cat > "$DEST/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine: build the runtime, run the Python package's check.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/fa-python-out}
mkdir -p "$OUT"
CUDA=${CUDA_HOME:-/usr/local/cuda}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
LIB=$PWD/libfa_runtime.so
if ! g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \
     runtime/lib/Json.cpp runtime/lib/Runtime.cpp \
     -L"$CUDA/lib64/stubs" -L"$CUDA/lib64" -lcuda -o "$LIB" 2> "$OUT/build.log"; then
  cat "$OUT/build.log"; echo "runtime: g++ failed, using the prebuilt library"
  LIB=$PWD/libfa_runtime.prebuilt.so
fi
export PYTHONUNBUFFERED=1 FA_RUNTIME_LIB=$LIB PYTHONPATH=$PWD/python
python3 bench/correctness/python_gpu_check.py run kernels --json "$OUT/python_gpu_check.json" \
  2>&1 | tee "$OUT/python_gpu_check.log"
exit "${PIPESTATUS[0]}"
RUN
chmod +x "$DEST/run.sh"
echo "python-gpu-artifacts: $(ls "$DEST"/kernels/*.config.json | wc -l) kernels in $DEST"
du -sh "$DEST"
