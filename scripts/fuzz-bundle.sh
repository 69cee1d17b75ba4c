#!/usr/bin/env bash
# Packs fa-fuzz for a machine without LLVM/MLIR (the long run,
# docs/Reliability.md): one xz tarball with
#   fa-fuzz        LLVM, MLIR, libstdc++ and libgcc linked in; only glibc
#                  (libc, libm, libresolv) is a shared library
#   seeds/         scripts/fuzz.sh's seed corpus (scripts/fuzz-seeds.sh)
#   mlir.dict, upstream-bugs/   tools/fa-fuzz's
#   run.sh         scripts/fuzz-long.sh
#
#   scripts/fuzz-bundle.sh OUT.tar.xz            (ASan + UBSan, build-asan)
#   FA_FUZZ_VARIANT=coverage scripts/fuzz-bundle.sh OUT.tar.xz
#
# The default variant relinks $BUILD_DIR's fa-fuzz (default build-asan, as
# scripts/fuzz.sh builds it: every library with ASan, UBSan and libFuzzer's
# coverage). `coverage` compiles fa-fuzz.cpp with libFuzzer's coverage and
# links it against $RELEASE_DIR's libraries (default build): no sanitizer,
# coverage of fa-fuzz.cpp only.
#
# The binary keeps its symbols (sanitizer reports stay readable) and loses
# its debug info. It may ask glibc for symbol versions up to MAX_GLIBC
# (default 2.35: Ubuntu 22.04's); the script fails past that.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT_TAR=$(realpath -m "${1:?usage: fuzz-bundle.sh OUT.tar.xz}")
VARIANT=${FA_FUZZ_VARIANT:-asan}
BUILD_DIR=${BUILD_DIR:-build-asan}
RELEASE_DIR=${RELEASE_DIR:-build}
MAX_GLIBC=${MAX_GLIBC:-2.35}
LLVM=/usr/lib/llvm-22
CXX=$LLVM/bin/clang++

FA_CMAKE_ARGS="-DFA_ENABLE_SANITIZERS=ON -DFA_ENABLE_FUZZER=ON" \
  FA_BUILD_TARGETS=fa-fuzz BUILD_DIR=$BUILD_DIR scripts/setup.sh
if [ "$VARIANT" = coverage ]; then
  BUILD_DIR=$RELEASE_DIR scripts/setup.sh
fi

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/fuzz"

# fa-fuzz's link line as CMake writes it, less the rpath and libLLVM.so:
# its objects, our libraries and MLIR's static ones.
link=$(ninja -C "$BUILD_DIR" -t commands fa-fuzz | tail -1)
words=()
for w in $link; do
  case "$w" in
    :|'&&'|-Wl,-rpath,*|*/libLLVM.so*) ;;
    *) words+=("$w") ;;
  esac
done
objects=() libs=() flags=()
for ((i = 1; i < ${#words[@]}; i++)); do
  w=${words[i]}
  case "$w" in
    -o) i=$((i + 1)) ;;
    *.o) objects+=("$ROOT/$BUILD_DIR/$w") ;;
    /*.a) libs+=("$w") ;;
    lib/*.a) libs+=("$ROOT/$BUILD_DIR/$w") ;;
    -fsanitize=*|-fuse-ld=*|-O*|-Wl,--gc-sections) flags+=("$w") ;;
  esac
done
if [ "$VARIANT" = coverage ]; then
  # fa-fuzz.cpp as the sanitizer build compiles it, less the sanitizers;
  # our libraries from the Release build.
  compile=$(ninja -C "$BUILD_DIR" -t commands "${objects[0]#"$ROOT/$BUILD_DIR/"}" | tail -1)
  cflags=()
  for w in $compile; do
    case "$w" in
      ccache|*/clang++|-fsanitize=address*|-fno-sanitize-recover=*|-UNDEBUG) ;;
      -include|*/SanitizerPrelude.h|-MD|-MT|-MF|-o|-c|*.o|*.o.d|*.cpp) ;;
      -I*/$BUILD_DIR/include) cflags+=("-I$ROOT/$RELEASE_DIR/include") ;;
      *) cflags+=("$w") ;;
    esac
  done
  (cd "$BUILD_DIR" && $CXX "${cflags[@]}" -c "$ROOT/tools/fa-fuzz/fa-fuzz.cpp" \
    -o "$STAGE/fa-fuzz.o")
  objects=("$STAGE/fa-fuzz.o")
  for ((i = 0; i < ${#libs[@]}; i++)); do
    case "${libs[i]}" in
      "$ROOT/$BUILD_DIR"/*) libs[i]=$ROOT/$RELEASE_DIR/${libs[i]#"$ROOT/$BUILD_DIR/"} ;;
    esac
  done
  flags=(-fuse-ld=lld -O3 -Wl,--gc-sections -fsanitize=fuzzer)
fi

$LLVM/bin/clang -O2 -c tools/fa-fuzz/glibc-compat.c -o "$STAGE/glibc-compat.o"
llvm_libs=()
for f in $($LLVM/bin/llvm-config --link-static --libfiles); do
  [ -f "$f" ] && llvm_libs+=("$f")  # Polly's are named but not installed
done
# -nostdlib++ and libstdc++.a last: the driver would put libstdc++.a right
# after libFuzzer's runtime, before ASan's, and its operator new (not ASan's
# weak one) would allocate what ASan's operator delete frees.
$CXX "${flags[@]}" "${objects[@]}" -o "$STAGE/fuzz/fa-fuzz" "${libs[@]}" \
  "$STAGE/glibc-compat.o" "${llvm_libs[@]}" \
  -Wl,-Bstatic -lz -lzstd -Wl,-Bdynamic -nostdlib++ \
  "$($CXX -print-file-name=libstdc++.a)" -static-libgcc -lrt -ldl -lm -lpthread
strip --strip-debug "$STAGE/fuzz/fa-fuzz"

# Only glibc's libraries, and no symbol version past MAX_GLIBC.
needed=$(readelf -d "$STAGE/fuzz/fa-fuzz" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
for lib in $needed; do
  case "$lib" in
    libc.so.6|libm.so.6|libresolv.so.2|libpthread.so.0|libdl.so.2|librt.so.1|ld-linux-x86-64.so.2) ;;
    *) echo "fuzz-bundle: fa-fuzz needs $lib" >&2; exit 1 ;;
  esac
done
glibc=$(objdump -T "$STAGE/fuzz/fa-fuzz" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
if [ "$(printf '%s\n%s\n' "$glibc" "$MAX_GLIBC" | sort -V | tail -1)" != "$MAX_GLIBC" ]; then
  echo "fuzz-bundle: fa-fuzz needs GLIBC_$glibc (over $MAX_GLIBC):" >&2
  objdump -T "$STAGE/fuzz/fa-fuzz" | grep -E "GLIBC_$glibc" >&2
  exit 1
fi

bash scripts/fuzz-seeds.sh "$STAGE/fuzz/seeds"
cp tools/fa-fuzz/mlir.dict "$STAGE/fuzz/"
cp -r tools/fa-fuzz/upstream-bugs "$STAGE/fuzz/"
cp scripts/fuzz-long.sh "$STAGE/fuzz/run.sh"
{
  echo "fa-fuzz ($VARIANT) of $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes')"
  echo "needs:" $needed "(GLIBC_$glibc at most)"
  echo "usage: OUT=DIR JOBS=12 SECONDS_=500 CPUS=4-15 bash run.sh (docs/Reliability.md)"
} >"$STAGE/fuzz/VERSION"
mkdir -p "$(dirname "$OUT_TAR")"
tar cf - -C "$STAGE" fuzz | xz -9 -T"${XZ_THREADS:-2}" >"$OUT_TAR"
echo "fuzz-bundle: $OUT_TAR ($(du -h "$OUT_TAR" | cut -f1)); fa-fuzz needs $(echo $needed), GLIBC_$glibc at most"
