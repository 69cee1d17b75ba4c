#!/usr/bin/env bash
# Builds flashattn-mlir with AddressSanitizer + UndefinedBehaviorSanitizer
# (our code only; assertions on) in build-asan/, with the fa-fuzz target, and
# runs every test there. Any sanitizer report fails the test that caused it.
# docs/Reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."

export BUILD_DIR=${BUILD_DIR:-build-asan}
FA_CMAKE_ARGS="-DFA_ENABLE_SANITIZERS=ON -DFA_ENABLE_FUZZER=ON" scripts/setup.sh

# abort_on_error: a report ends in SIGABRT, not exit status 1, so that
# `not fa-opt ...` in a negative test cannot mistake it for an expected
# error. detect_leaks: fa-opt frees what it allocates (the MLIRContext is
# destroyed before exit), so LeakSanitizer stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-22/bin/llvm-symbolizer}
ninja -C "$BUILD_DIR" check-fa
