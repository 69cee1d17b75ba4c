// The wgmma backward with a runtime block mask whose blocks its tiling
// divides (64 x 128 into 128 x 128), D75: kernel=wgmma takes the model's
// pick, the TMA ring (stages 2; a skipped step's mbarrier phase completes
// by a plain arrival), with atomic and ordered dQ; so does kernel=auto (the
// ring's block masks passed their GPU check on an H200 in session 8). With
// atomic dQ the ring walks the list of the live q-blocks (walk = compacted,
// D99; block-mask-walk=dense keeps the predicated walk of every q-block).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=WG
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=dense" \
// RUN:   | FileCheck %s --check-prefix=WG-DENSE
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma deterministic" \
// RUN:   | FileCheck %s --check-prefix=WG-DET
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto explain" \
// RUN:   --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto deterministic explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=AUTO-DET

// WG-LABEL: func.func @grad_blocks
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store, dq_reduce = warpgroup>
// WG-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// WG-DENSE-LABEL: func.func @grad_blocks
// WG-DENSE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// WG-DENSE-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// WG-DET: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>
// WG-DET-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// AUTO: remark: fa-select-tiling (backward, model): 64x128, 2 stages, 8 warps wins (atomic dQ)
// AUTO: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store, dq_reduce = warpgroup>
// AUTO: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store, dq_reduce = warpgroup>
// AUTO-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// AUTO-DET: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO-DET: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>
// AUTO-DET-SAME: stages = 2
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

// At the column split (D = 256, D76) the model keeps one buffer with a
// block mask: the ring's predicated steps have not run there on a GPU.
// WG-LABEL: func.func @column_split_blocks
// WG: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>
// SPLIT: remark: fa-select-tiling (backward, model): 64x64, 1 stage, 8 warps wins (atomic dQ)
// SPLIT: note: kernel=auto chose wgmma: it builds this backward{{$}}
func.func @column_split_blocks(%q: tensor<2x4x1000x256xbf16>, %lse: tensor<2x4x1000xf32>,
    %bm: tensor<1x4x16x8xi8>)
    -> (tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>,
          tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000xf32>)
      block_mask(%bm : tensor<1x4x16x8xi8>)
      outs(%q, %q, %q : tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>}
      -> tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>
}
