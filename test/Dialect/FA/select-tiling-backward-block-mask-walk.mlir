// The wgmma backward's walk under a runtime block mask (D94,
// docs/BlockSparse.md "The compacted walk"): fa-select-tiling decides it
// once and records it in #fa.backward_schedule. By default (and with
// block-mask-walk=auto) the ring walks the list of the q-blocks the block
// mask keeps (walk = compacted: it passed its GPU check, D99) wherever it
// builds, which the model prices in shared memory (the ring, stages 2: one
// buffer does not build it); block-mask-walk=dense keeps the predicated
// walk of every q-block (walk = dense, not printed); both concern only the
// wgmma kernel with a block mask (others walk dense).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto block-mask-walk=auto" \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=dense" \
// RUN:   | FileCheck %s --check-prefix=DENSE
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=compacted explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=COMPACT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto block-mask-walk=compacted" \
// RUN:   | FileCheck %s --check-prefix=AUTO

// DENSE-LABEL: func.func @grad_blocks
// DENSE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// DENSE-SAME: stages = 2
// AUTO-LABEL: func.func @grad_blocks
// COMPACT: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store, dq_reduce = warpgroup>: dq=atomic: {{.*}}; walk=compacted: the ring walks a list of the q-blocks the block mask keeps, scanned at the block's start
// COMPACT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store, dq_reduce = warpgroup>
// COMPACT-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store, dq_reduce = warpgroup>
// AUTO-SAME: stages = 2
func.func @grad_blocks(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>,
    %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// Without a block mask there is nothing to compact: the option leaves the
// schedule dense.
// COMPACT-LABEL: func.func @grad_dense
// COMPACT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// AUTO-LABEL: func.func @grad_dense
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// DENSE-LABEL: func.func @grad_dense
// DENSE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
func.func @grad_dense(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {causal}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
