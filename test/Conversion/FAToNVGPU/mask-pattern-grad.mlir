// A mask pattern in the mma.sync backward (docs/BlockSparse.md, "The
// kernels' block lists"): BlockClassifier's lists by kv-block, full pairs
// first, are a constant global; each kv-block reads where its list lies,
// its steps walk the list (per query head of the group), and a step's
// pair needs no mask when its place in the list is before the full count
// (the butterfly's xor only on the masked side).
//
// Nq = Nk = 256, a butterfly of 64 with 16 global tokens, 32 x 64 blocks.
// kv-block 0 (keys 0..63, cell 0): q-blocks 0..5 (cells 0, 1, 2) full, 6
// and 7 (cell 3, not linked; only keys 0..15 global) partial; kv-block 1
// (cell 1): q-blocks 0..3 and 6, 7 (cells 0, 1, 3), all full; kv-block 2:
// 0, 1, 4..7; kv-block 3: 2..7 full, 0, 1 partial (rows 0..15 global).
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s

// CHECK: memref.global "private" constant @[[LISTS:__fa_block_lists[_0-9]*]] : memref<36xi32> = dense<[9, 17, 23, 29, 36, 6, 6, 6, 6, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 6, 7, 0, 1, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 0]>
// CHECK-LABEL: func.func @bf16_butterfly_global(
// The main kernel (after the preprocess): grid x is the kv-blocks.
// CHECK:         gpu.launch
// CHECK:         gpu.launch blocks(%[[KB:[0-9a-z_]+]], %{{.+}}, %{{.+}}) in
// CHECK:           %[[L:.+]] = memref.get_global @[[LISTS]] : memref<36xi32>
// CHECK:           %[[B:.+]] = memref.load %[[L]][%[[KB]]] : memref<36xi32>
// CHECK:           %[[BI:.+]] = arith.index_cast %[[B]] : i32 to index
// CHECK:           %[[E:.+]] = memref.load %[[L]][%{{.+}}] : memref<36xi32>
// CHECK:           %[[EI:.+]] = arith.index_cast %[[E]] : i32 to index
// CHECK:           %[[STEPS:.+]] = arith.subi %[[EI]], %[[BI]] : index
// CHECK:           %[[FI:.+]] = arith.addi %[[KB]], %c5
// CHECK:           %[[F:.+]] = memref.load %[[L]][%[[FI]]] : memref<36xi32>
// CHECK:           %[[FULL:.+]] = arith.index_cast %[[F]] : i32 to index
// CHECK:           scf.for %[[T:.+]] = %{{.+}} to %[[STEPS]] step
// The step's q-block: entry begin + t mod steps, clamped into the array.
// CHECK:             %[[POS:.+]] = arith.remui %[[T]], %[[STEPS]] : index
// CHECK:             %[[AT:.+]] = arith.addi %[[BI]], %[[POS]] : index
// CHECK:             arith.minui %[[AT]], %c35
// The pair's kind: full before the list's full count.
// CHECK:             %[[P2:.+]] = arith.remui %[[T]], %[[STEPS]] : index
// CHECK:             %[[INT:.+]] = arith.cmpi ult, %[[P2]], %[[FULL]] : index
// CHECK:             scf.if %[[INT]] -> (
// CHECK-NOT:           arith.xori
// CHECK:             } else {
// CHECK:               arith.xori
func.func @bf16_butterfly_global(%q: tensor<1x2x256x64xbf16>, %lse: tensor<1x2x256xf32>, %dq: tensor<1x2x256x64xbf16>, %dk: tensor<1x2x256x64xbf16>, %dv: tensor<1x2x256x64xbf16>) -> (tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256xf32>)
      outs(%dq, %dk, %dv : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      {mask_pattern = #fa.mask_pattern<butterfly = 64, global = 16>,
       tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 2, warps = 4>}
      -> tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
}
