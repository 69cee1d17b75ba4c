// A runtime block mask in the tensor-core kernels (docs/BlockSparse.md,
// "The kernels"): every kv step reads the q-block's entry of the mask
// (memref.load of the i8 operand, != 0). cp.async copies of a skipped block
// are disabled (source size 0); a TMA load of one is replaced by a plain
// mbarrier arrival; the step's math runs under an scf.if that passes the
// state through otherwise. The wgmma schedule is the serial step without
// turns. This is the dense walk (block-mask-walk=dense); kernel=auto's
// default, the compacted walk, is pinned in block-mask-compacted.mlir.
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync block-mask-walk=dense" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma block-mask-walk=dense" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=TMA

// MMA-LABEL: func.func @block_mask(
// MMA-SAME:    %[[BM:[a-z0-9]+]]: memref<1x2x8x8xi8>
// MMA:         gpu.launch
// The prologue's copies of block 0: enabled by its entry.
// MMA:           %[[E0:.+]] = memref.load %[[BM]][%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}] : memref<1x2x8x8xi8>
// MMA:           %[[L0:.+]] = arith.cmpi ne, %[[E0]], %{{.+}} : i8
// MMA:           arith.andi %{{.+}}, %[[L0]] : i1
// MMA:           nvgpu.device_async_copy
// MMA:           scf.for
// MMA:             nvgpu.device_async_wait
// MMA:             gpu.barrier
// MMA:             memref.load %[[BM]]
// MMA:             nvgpu.device_async_copy
// MMA:             %[[E:.+]] = memref.load %[[BM]]
// MMA:             %[[LIVE:.+]] = arith.cmpi ne, %[[E]], %{{.+}} : i8
// MMA:             %[[S:.+]]:18 = scf.if %[[LIVE]] -> (vector<2x2xf32>
// MMA:               nvvm.mma.sync
// MMA:             } else {
// MMA-NEXT:          scf.yield %{{.+}} : vector<2x2xf32>
// MMA:             scf.yield %[[S]]#0,

// TMA-LABEL: func.func @block_mask(
// TMA-SAME:    %[[BM:[a-z0-9]+]]: memref<1x2x8x8xi8>
// TMA:         gpu.launch
// TMA:           %[[E0:.+]] = memref.load %[[BM]]
// TMA:           %[[L0:.+]] = arith.cmpi ne, %[[E0]], %{{.+}} : i8
// TMA:           scf.if %[[L0]] {
// TMA:             nvgpu.mbarrier.arrive.expect_tx
// TMA:             nvgpu.tma.async.load
// TMA:           } else {
// TMA-NEXT:        nvgpu.mbarrier.arrive %{{.+}}[%{{.+}}]
// TMA:           scf.for
// TMA:             nvgpu.mbarrier.try_wait.parity
// The refill of the slot, the same way.
// TMA:             memref.load %[[BM]]
// TMA:             nvgpu.mbarrier.arrive.expect_tx
// TMA:             } else {
// TMA-NEXT:          nvgpu.mbarrier.arrive %{{.+}}[%{{.+}}]
// TMA:             %[[E:.+]] = memref.load %[[BM]]
// TMA:             %[[LIVE:.+]] = arith.cmpi ne, %[[E]], %{{.+}} : i8
// TMA:             scf.if %[[LIVE]] -> (vector<
// TMA:               nvvm.wgmma.mma_async
// TMA:             } else {
func.func @block_mask(%q: tensor<1x2x1000x128xbf16>, %bm: tensor<1x2x8x8xi8>,
                      %o: tensor<1x2x1000x128xbf16>) -> tensor<1x2x1000x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
       block_mask(%bm : tensor<1x2x8x8xi8>) outs(%o : tensor<1x2x1000x128xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x2x1000x128xbf16>
  return %r : tensor<1x2x1000x128xbf16>
}
