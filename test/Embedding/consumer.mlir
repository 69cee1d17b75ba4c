// `cmake --install` of this build, then examples/consumer, a separate CMake
// project, finds it with find_package(FlashAttn), links
// FlashAttn::FlashAttnFATransforms (C++) and FlashAttn::FlashAttn-C (C), and
// runs fa-set-target and fa-decompose-attention from its own code. Builds
// incrementally on later runs (%t is kept).
// REQUIRES: cmake

// RUN: %cmake --install %fa_obj_root --prefix %t/install > %t.install.log
// RUN: %consumer-cmake -S %fa_src_root/examples/consumer -B %t/build -DCMAKE_PREFIX_PATH=%t/install > %t.configure.log
// RUN: %cmake --build %t/build > %t.build.log
// RUN: %t/build/fa-consumer %s h100 | FileCheck %s
// RUN: not %t/build/fa-consumer %s mi300 2>&1 | FileCheck %s --check-prefix=ERROR
// RUN: %t/build/fa-consumer-c %s 'builtin.module(fa-set-target{target=a100},func.func(fa-decompose-attention))' | FileCheck %s --check-prefix=C

// The installed tree is complete: fa-opt runs from it, and the installed
// plugin loads into the stock mlir-opt.
// RUN: %t/install/bin/fa-opt %s --fa-set-target=target=t4 | FileCheck %s --check-prefix=T4
// RUN: mlir-opt %s --load-dialect-plugin=%t/install/lib/libFlashAttnPlugin.so --load-pass-plugin=%t/install/lib/libFlashAttnPlugin.so --pass-pipeline='builtin.module(fa-set-target{target=t4})' | FileCheck %s --check-prefix=T4

// CHECK: module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448,
// CHECK-LABEL: func.func @attention
// CHECK-NOT: fa.attention
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: return

// ERROR: error: unknown target 'mi300'

// C: module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912,
// C-LABEL: func.func @attention
// C-NOT: fa.attention
// C: linalg.generic

// T4: module attributes {fa.target = #fa.target<arch = "sm_75", sram_per_block = 65536,
// T4: fa.attention

func.func @attention(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                     %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>)
    -> tensor<1x4x8x16xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
       outs(%o : tensor<1x4x8x16xf32>) {causal} -> tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}
