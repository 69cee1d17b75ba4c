// The compile side of python/flashattn_mlir (tiling, explanation, stages,
// caching, save/load, the manifest against fa-compile's, error cases) and
// docs/Python.md's code; the GPU tests skip without a GPU. A missing
// libFlashAttn-C.so fails here instead of skipping.
//
// REQUIRES: pytest
// RUN: env PYTHONDONTWRITEBYTECODE=1 FLASHATTN_MLIR_REQUIRE_COMPILER=1 \
// RUN:   FLASHATTN_MLIR_LIB=%fa_obj_root/lib/libFlashAttn-C.so \
// RUN:   FA_COMPILE=%fa_obj_root/bin/fa-compile \
// RUN:   FA_RUNTIME_FAKE_LIB=%fa_obj_root/lib/libfa_runtime_fake.so \
// RUN:   %python -m pytest -q -p no:cacheprovider %fa_src_root/python/tests \
// RUN:   | FileCheck %s
// CHECK-NOT: failed
// CHECK: {{[0-9]+}} passed
