// Global tokens and the butterfly in the tensor-core forward kernels
// (docs/BlockSparse.md, "The kernels' block lists"): BlockClassifier's
// per-q-block lists of non-empty kv-blocks, full blocks first, are a
// constant global of the module; the kernel reads where its q-block's list
// lies and how many of it are full, its loops walk the list: the full
// steps [0, full) without the pattern's test, the partial ones [full, end)
// with it (the butterfly's xor, the global tokens' compares).
//
// Nq = Nk = 256, a butterfly of 64 with 16 global tokens, 64 x 64 blocks.
// Cells 0..3: 0 links 1 and 2, 1 links 0 and 3, 2 links 0 and 3, 3 links
// 1 and 2. q-block 0 (rows 0..15 global): blocks 0..2 full, 3 partial;
// q-block 1: 0, 1, 3 full (2 empty); q-block 2: 0, 2, 3 full; q-block 3:
// 1, 2, 3 full, 0 partial (keys 0..15 global only). The array: where
// each list lies (9, 13, 16, 19, 23), the full counts (3, 3, 3, 3), the
// lists.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync mma-masked-steps=split" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync mma-masked-steps=branch" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=BRANCH
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=WGMMA

// CHECK: memref.global "private" constant @[[LISTS:__fa_block_lists[_0-9]*]] : memref<23xi32> = dense<[9, 13, 16, 19, 23, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 3, 0, 2, 3, 1, 2, 3, 0]>
// CHECK-LABEL: func.func @bf16_butterfly_global(
// CHECK:         gpu.launch blocks(%[[QB:[0-9a-z_]+]], %{{.+}}, %{{.+}}) in
// CHECK:           %[[L:.+]] = memref.get_global @[[LISTS]] : memref<23xi32>
// CHECK:           %[[B:.+]] = memref.load %[[L]][%[[QB]]] : memref<23xi32>
// CHECK:           %[[BI:.+]] = arith.index_cast %[[B]] : i32 to index
// CHECK:           %[[E:.+]] = memref.load %[[L]][%{{.+}}] : memref<23xi32>
// CHECK:           %[[EI:.+]] = arith.index_cast %[[E]] : i32 to index
// CHECK:           %[[STEPS:.+]] = arith.subi %[[EI]], %[[BI]] : index
// CHECK:           %[[FI:.+]] = arith.addi %[[QB]], %c5
// CHECK:           %[[F:.+]] = memref.load %[[L]][%[[FI]]] : memref<23xi32>
// CHECK:           %[[FULL:.+]] = arith.index_cast %[[F]] : i32 to index
// The full steps: the kv-block is the list's entry, no pattern test.
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %[[FULL]] step
// CHECK:             arith.addi %[[BI]], %{{.+}} : index
// CHECK:             arith.minui %{{.+}}, %c22
// CHECK:             memref.load %[[L]]
// CHECK-NOT:         arith.xori
// CHECK:           scf.yield
// The partial steps: the butterfly's link test and the global tokens.
// CHECK:           scf.for %{{.+}} = %[[FULL]] to %[[STEPS]] step
// CHECK:             arith.xori
// CHECK:             arith.cmpi slt, %{{.+}}, %c16
// CHECK:             arith.ori

// BRANCH-LABEL: func.func @bf16_butterfly_global(
// BRANCH:         scf.for %[[J:.+]] = %{{.+}} to %[[STEPS:[0-9a-z_]+]] step
// BRANCH:           %[[MASK:.+]] = arith.cmpi sge, %[[J]], %[[FULL:[0-9a-z_]+]] : index
// BRANCH:           scf.if %[[MASK]] -> (
// BRANCH:             arith.xori
// BRANCH:           } else {
// BRANCH-NOT:         arith.xori
// BRANCH:           }

// WGMMA-LABEL: func.func @bf16_butterfly_global(
// WGMMA:         memref.get_global @{{__fa_block_lists[_0-9]*}} : memref<23xi32>
// WGMMA:         scf.for %{{.+}} = %{{.+}} to %[[FULL:[0-9a-z_]+]] step
// WGMMA-NOT:       arith.xori
// WGMMA:         scf.for %{{.+}} = %[[FULL]] to
// WGMMA:           arith.xori
func.func @bf16_butterfly_global(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>)
    -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {mask_pattern = #fa.mask_pattern<butterfly = 64, global = 16>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// A window with 16 global tokens (attention sinks), causal, Nk = 200 (a
// ragged last kv-block: partial in the lists though the mask keeps all of
// it, for the bounds test): two kernels' lists in one module get two
// globals.
// CHECK-DAG: memref.global "private" constant @__fa_block_lists : memref<
// CHECK-DAG: memref.global "private" constant @__fa_block_lists_0 : memref<
// CHECK-LABEL: func.func @two_kernels(
// CHECK:         memref.get_global @__fa_block_lists
// CHECK:         memref.get_global @__fa_block_lists_0
func.func @two_kernels(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x200x64xbf16>, %o: tensor<1x2x128x64xbf16>)
    -> (tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) {
  %r = fa.attention ins(%q, %k, %k : tensor<1x2x128x64xbf16>, tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>)
       outs(%o : tensor<1x2x128x64xbf16>)
       {causal, window = #fa.window<left = 64, right = 0>, mask_pattern = #fa.mask_pattern<global = 16>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<1x2x128x64xbf16>
  %s = fa.attention ins(%q, %k, %k : tensor<1x2x128x64xbf16>, tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>)
       outs(%o : tensor<1x2x128x64xbf16>)
       {mask_pattern = #fa.mask_pattern<butterfly = 32>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<1x2x128x64xbf16>
  return %r, %s : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>
}
